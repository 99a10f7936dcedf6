//! TLS decryption: the secrets of a key log turned into each direction's
//! record keys, as the handshake goes (TLS 1.3's handshake and traffic
//! secrets and their key updates; TLS 1.2's master secret and key block),
//! and records opened with them. The TLS module asks; nothing here
//! dissects.

mod record;
mod schedule;
mod session;
mod suites;

pub use record::{DecryptError, Plaintext, RecordCipher};
pub use schedule::expand_label;
pub use session::{Decryptor, Opened};
pub use suites::{Aead, Bulk, Hash, Suite};
