/// A JSON value as jobstatusd keeps it: every member of an event that is not
/// one of the three required ones is stored as one of these, losslessly.
///
/// Numbers are IEEE 754 doubles, which is exactly what RFC 8785 can carry:
/// the parser rejects number literals that a double cannot hold exactly
/// (see ``InvalidReason/unrepresentableNumber``), so nothing is silently
/// changed between input and canonical output.
public enum JSONValue: Hashable, Sendable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, held as a double (see the type's notes on what the parser accepts).
    case number(Double)
    /// A string.
    case string(String)
    /// An array, in order.
    case array([JSONValue])
    /// An object.
    case object(JSONObject)
}

// MARK: - Literals

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    /// ``null`` from the `nil` literal.
    public init(nilLiteral: ()) { self = .null }
    /// ``bool(_:)`` from a Boolean literal.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// ``number(_:)`` from an integer literal, converted to a double (exact up to 2^53 in magnitude).
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    /// ``number(_:)`` from a floating-point literal.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// ``string(_:)`` from a string literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// ``array(_:)`` from an array literal.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// ``object(_:)`` from a dictionary literal; a later member replaces an earlier one with the same
    /// name.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { JSONObject.Member(key: $0.0, value: $0.1) }))
    }
}

// MARK: - Accessors

extension JSONValue {
    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The object, if this is an object.
    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// A short name of the JSON type, for error messages ("a number", "an object", ...).
    public var typeDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
