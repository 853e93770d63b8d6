// The epoch line's fast path. Epoch lines are almost every line a coordinator reads (one per task
// and epoch: hundreds a second from thousands of Slurm tasks), and Foundation's JSONDecoder spends
// most of the coordinator's time on them. `WorkerMessage.line()` writes them in one shape, keys
// sorted: {"epoch":E,"metrics":{"k1":v1,...},"type":"epoch"} with each value a JSON number or
// "nan", "inf", "-inf". This reads exactly that shape and gives up (nil) on anything else: a
// key with an escape, spaces, another order, a torn line; `WorkerMessage.parse` then decodes it
// with JSONDecoder. Numbers are read by Swift's `Double(_:)`, correctly rounded as the decoder's
// are, so both give the same bits (tested on random lines).

enum EpochLineParser {
    static func parse(_ line: Substring.UTF8View) -> WorkerMessage? {
        var p = Cursor(bytes: line)
        guard p.skip(#"{"epoch":"#), let epoch = p.integer(), p.skip(#","metrics":{"#) else { return nil }
        var metrics: [String: Double] = [:]
        if !p.skip("}") {
            while true {
                guard let key = p.key(), p.skip(":"), let value = p.value() else { return nil }
                metrics[key] = value
                if p.skip(",") { continue }
                guard p.skip("}") else { return nil }
                break
            }
        }
        guard p.skip(#","type":"epoch"}"#), p.atEnd else { return nil }
        return .epoch(epoch: epoch, metrics: metrics)
    }

    private struct Cursor {
        let bytes: Substring.UTF8View
        var at: Substring.UTF8View.Index

        init(bytes: Substring.UTF8View) {
            self.bytes = bytes
            self.at = bytes.startIndex
        }

        var atEnd: Bool { at == bytes.endIndex }

        /// Steps over `literal` when the bytes here are exactly it.
        mutating func skip(_ literal: StaticString) -> Bool {
            var i = at
            for byte in UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount) {
                guard i != bytes.endIndex, bytes[i] == byte else { return false }
                i = bytes.index(after: i)
            }
            at = i
            return true
        }

        /// The bytes from here while each passes `allowed`, stepped over; nil when there are none.
        mutating func run(while allowed: (UInt8) -> Bool) -> Substring.UTF8View.SubSequence? {
            let start = at
            while at != bytes.endIndex, allowed(bytes[at]) { at = bytes.index(after: at) }
            return start == at ? nil : bytes[start..<at]
        }

        mutating func integer() -> Int? {
            guard let digits = run(while: { $0 >= 0x30 && $0 <= 0x39 }), digits.count <= 18 else { return nil }
            return digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }

        /// A quoted key without escapes or control characters.
        mutating func key() -> String? {
            guard skip("\"") else { return nil }
            let text = run(while: { $0 != 0x22 && $0 != 0x5C && $0 >= 0x20 })
            guard let text, skip("\"") else { return nil }
            return String(Substring(text))
        }

        /// A JSON number, or one of the strings a non-finite value is written as.
        mutating func value() -> Double? {
            if skip(#""nan""#) { return .nan }
            if skip(#""inf""#) { return .infinity }
            if skip(#""-inf""#) { return -.infinity }
            guard let text = run(while: { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x2B || $0 == 0x2E || $0 == 0x65 || $0 == 0x45 }),
                  let first = text.first, first == 0x2D || (first >= 0x30 && first <= 0x39)
            else { return nil }
            return Double(Substring(text))
        }
    }
}
