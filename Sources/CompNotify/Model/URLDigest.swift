import Crypto

/// The short SHA-256 fingerprint that names a URL without revealing it.
enum URLDigest {
    /// The first 8 lowercase hex digits of SHA-256 of the URL's UTF-8 bytes.
    static func shortHex(of url: String) -> String {
        let digest = SHA256.hash(data: Array(url.utf8))
        let digits = Array("0123456789abcdef")
        return String(digest.prefix(4).flatMap { byte in [digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]] })
    }
}
