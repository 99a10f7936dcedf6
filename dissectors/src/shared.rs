//! Answers that many frames share: a header-table entry that every header
//! block naming it decodes to, a stream's path that each of its DATA frames
//! carries. One allocation serves them all, and the tape recorder keeps
//! the bytes once however many frames refer to them (it knows them by
//! [`Shared::id`]): a 13-byte frame that names a 64 KiB entry four times
//! costs pointers, not 256 KiB.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A value shared by reference, with an identity of its own.
pub struct Shared<T: ?Sized> {
    id: u64,
    value: Arc<T>,
}

pub type SharedBytes = Shared<[u8]>;
pub type SharedStr = Shared<str>;

/// Identities are never reused within a process.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl<T: ?Sized> Shared<T> {
    fn wrap(value: Arc<T>) -> Self {
        Shared {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            value,
        }
    }

    /// Who this is: clones share it, equal values made apart do not.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The same allocation (clones of one value).
    pub fn same(a: &Self, b: &Self) -> bool {
        Arc::ptr_eq(&a.value, &b.value)
    }
}

impl<T: ?Sized> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared {
            id: self.id,
            value: Arc::clone(&self.value),
        }
    }
}

impl<T: ?Sized> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: ?Sized + PartialEq> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        *self.value == *other.value
    }
}

impl<T: ?Sized + Eq> Eq for Shared<T> {}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl From<&[u8]> for SharedBytes {
    fn from(b: &[u8]) -> Self {
        Shared::wrap(Arc::from(b))
    }
}

impl From<Vec<u8>> for SharedBytes {
    fn from(b: Vec<u8>) -> Self {
        Shared::wrap(Arc::from(b))
    }
}

impl From<&str> for SharedStr {
    fn from(s: &str) -> Self {
        Shared::wrap(Arc::from(s))
    }
}

impl From<String> for SharedStr {
    fn from(s: String) -> Self {
        Shared::wrap(Arc::from(s))
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_identity_and_equal_values_do_not() {
        let a = SharedBytes::from(&b"abc"[..]);
        let b = a.clone();
        let c = SharedBytes::from(&b"abc"[..]);
        assert_eq!(a.id(), b.id());
        assert!(Shared::same(&a, &b));
        assert_ne!(a.id(), c.id());
        assert_eq!(a, c);
        assert_eq!(&*a, b"abc");
    }
}
