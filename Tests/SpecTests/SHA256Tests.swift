// SHA-256 against the FIPS 180-4 example vectors, plus lengths around the padding boundary
// (55, 56, 63, 64, 65 bytes) and chunked updates; expected digests from Python's hashlib.

import Hashing
import Testing

@Test func sha256KnownVectors() {
    #expect(SHA256.hex(of: Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(SHA256.hex(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(SHA256.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
        == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    #expect(SHA256.hex(of: Array("The quick brown fox jumps over the lazy dog".utf8))
        == "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592")
    #expect(SHA256.hex(of: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
        == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
}

@Test func sha256PaddingBoundaries() {
    let expected = [
        55: "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072",
        56: "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e",
        63: "75220b47218278e656f2013bb8f0c455a25eaf01e86c64924e9d48d89776d6f2",
        64: "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c",
        65: "9537c5fdf120482f7d58d25e9ed583f52c02b4e304ea814db1633ad565aed7e9",
    ]
    for (count, digest) in expected {
        #expect(SHA256.hex(of: [UInt8](repeating: UInt8(ascii: "x"), count: count)) == digest, "length \(count)")
    }
}

@Test func sha256ChunkedUpdatesMatchOneShot() {
    let bytes = (0..<200).map { UInt8($0 % 251) }
    for split in [0, 1, 63, 64, 65, 127, 199] {
        var hasher = SHA256()
        hasher.update(bytes[..<split])
        hasher.update(bytes[split...])
        #expect(SHA256.hexString(hasher.finalize()) == "1901da1c9f699b48f6b2636e65cbf73abf99d0441ef67f5c540a42f7051dec6f")
    }
}
