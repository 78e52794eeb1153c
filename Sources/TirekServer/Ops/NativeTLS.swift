import HummingbirdTLS
import NIOSSL

/// Native TLS, for a server reached without the nginx proxy: loads the PEM certificate chain and
/// key named in the configuration, with a clear error when they cannot be read.
enum NativeTLS {
    struct LoadError: Error, CustomStringConvertible {
        let description: String
    }

    static func configuration(certificate: String?, key: String?) throws -> TLSConfiguration? {
        switch (certificate, key) {
        case (nil, nil):
            return nil
        case (let certificate?, let key?):
            let chain: [NIOSSLCertificate]
            let privateKey: NIOSSLPrivateKey
            do {
                chain = try NIOSSLCertificate.fromPEMFile(certificate)
            } catch {
                throw LoadError(description: "tls_certificate_unreadable: \(certificate) is not a readable PEM certificate (\(error))")
            }
            do {
                privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
            } catch {
                throw LoadError(description: "tls_key_unreadable: \(key) is not a readable PEM private key (\(error))")
            }
            guard !chain.isEmpty else { throw LoadError(description: "tls_certificate_unreadable: \(certificate) holds no certificate") }
            return TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) },
                                                            privateKey: .privateKey(privateKey))
        default:
            throw LoadError(description: "tls_incomplete: give both a certificate and a key, or neither")
        }
    }
}
