// RunLogRows: read-only rows of the run log as plain Swift values, for readers (the report) that
// do not import GRDB themselves.

import Foundation
import GRDB

/// One SQLite value.
public enum SQLValue: Equatable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public var int: Int? {
        switch self {
        case .integer(let i): return Int(i)
        case .real(let d): return d.isFinite ? Int(d) : nil
        default: return nil
        }
    }

    public var double: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .real(let d): return d
        default: return nil
        }
    }

    public var string: String? {
        if case .text(let s) = self { return s }
        return nil
    }

    fileprivate init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let i): self = .integer(i)
        case .double(let d): self = .real(d)
        case .string(let s): self = .text(s)
        case .blob(let data): self = .blob([UInt8](data))
        }
    }

    fileprivate var databaseValue: DatabaseValueConvertible? {
        switch self {
        case .null: return nil
        case .integer(let i): return i
        case .real(let d): return d
        case .text(let s): return s
        case .blob(let bytes): return bytes.map { $0 }.withUnsafeBufferPointer { Data(buffer: $0) }
        }
    }
}

/// A row by column name; a missing column reads as `.null`.
public struct SQLRow: Sendable {
    public let values: [String: SQLValue]
    public subscript(column: String) -> SQLValue { values[column] ?? .null }
}

extension RunStore {
    /// Runs a read-only query; arguments bind to the `?` placeholders in order.
    public func rows(_ sql: String, _ arguments: [SQLValue] = []) throws -> [SQLRow] {
        try query(sql, arguments: arguments.map(\.databaseValue)).map { row in
            SQLRow(values: row.mapValues(SQLValue.init))
        }
    }
}
