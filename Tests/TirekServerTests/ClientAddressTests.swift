import Testing
@_spi(Benchmarks) @testable import TirekServer

/// Behind nginx every admin request comes from the proxy; the failed-key limit must still be per
/// client, and nobody else may choose their address by sending `X-Forwarded-For`.
@Suite struct ClientAddressTests {
    let proxy = ClientAddress(trustedProxies: ["127.0.0.1", " ::1 ", "10.42.0.0/16"])

    @Test func aTrustedProxyNamesTheClient() {
        #expect(proxy.resolve(peer: "127.0.0.1", forwardedFor: ["203.0.113.5"]) == "203.0.113.5")
        // Read from the right: what the client wrote itself comes first and is not believed.
        #expect(proxy.resolve(peer: "127.0.0.1", forwardedFor: ["10.9.9.9, 203.0.113.5"]) == "203.0.113.5")
        #expect(proxy.resolve(peer: "127.0.0.1", forwardedFor: ["10.9.9.9", "203.0.113.5, ::1"]) == "203.0.113.5")
        // Nothing forwarded, or only proxies: the proxy itself.
        #expect(proxy.resolve(peer: "::1", forwardedFor: []) == "::1")
        #expect(proxy.resolve(peer: "127.0.0.1", forwardedFor: [" , ::1"]) == "127.0.0.1")
    }

    @Test func rangesCoverAPodNetwork() {
        #expect(proxy.resolve(peer: "10.42.7.19", forwardedFor: ["203.0.113.5, 10.42.0.3"]) == "203.0.113.5")
        #expect(proxy.resolve(peer: "10.43.0.1", forwardedFor: ["203.0.113.5"]) == "10.43.0.1")
        #expect(AddressRange("10.0.0.0/8")?.contains(AddressRange.bytes(of: "10.255.1.2")!) == true)
        #expect(AddressRange("192.168.1.0/25")?.contains(AddressRange.bytes(of: "192.168.1.128")!) == false)
        #expect(AddressRange("fd00::/8")?.contains(AddressRange.bytes(of: "fd12::1")!) == true)
        #expect(AddressRange("fd00::/8")?.contains(AddressRange.bytes(of: "10.0.0.1")!) == false)
        #expect(AddressRange("0.0.0.0/0")?.contains(AddressRange.bytes(of: "8.8.8.8")!) == true)
        for bad in ["", "nginx", "10.0.0.0/33", "10.0.0.0/", "::1/129", "1.2.3.4/8/8"] {
            #expect(AddressRange(bad) == nil, "\(bad)")
        }
    }

    @Test func anyoneElseIsTheirOwnAddress() {
        #expect(proxy.resolve(peer: "198.51.100.7", forwardedFor: ["203.0.113.5"]) == "198.51.100.7")
        #expect(ClientAddress(trustedProxies: []).resolve(peer: "127.0.0.1", forwardedFor: ["203.0.113.5"]) == "127.0.0.1")
        #expect(proxy.resolve(peer: nil, forwardedFor: ["203.0.113.5"]) == "unknown")
    }
}
