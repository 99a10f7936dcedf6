//! The TLS server side of the live tests: a certificate for localhost
//! (tests/tls/), TLS 1.2 and 1.3, on ring.

use std::sync::Arc;

pub fn server_config() -> Arc<rustls::ServerConfig> {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    const CERT: &[u8] = include_bytes!("../tls/localhost.cert.der");
    const KEY: &[u8] = include_bytes!("../tls/localhost.key.der");
    #[allow(deprecated)] // ring's groups lack post-quantum ones: no use here
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS12, &rustls::version::TLS13])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(CERT.to_vec())],
            PrivateKeyDer::Pkcs8(KEY.to_vec().into()),
        )
        .unwrap();
    Arc::new(config)
}
