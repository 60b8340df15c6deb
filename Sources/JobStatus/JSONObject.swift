/// A JSON object: members with distinct names.
///
/// Members are stored in input order (an array is faster than a dictionary
/// for the handful of members an event has), but order carries no meaning:
/// two objects are equal when they have the same members in any order, and
/// the canonical encoding sorts them. Member names are unique; the parser
/// rejects duplicates, and the mutating API replaces in place.
public struct JSONObject: Sendable {
    /// One `name: value` pair.
    public struct Member: Hashable, Sendable {
        /// The member's name.
        public var key: String
        /// The member's value.
        public var value: JSONValue

        /// A member named `key` with `value`.
        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// The members, in the order they were added.
    public private(set) var members: [Member]

    /// An empty object.
    public init() {
        self.members = []
    }

    /// An object from members whose names are already known to be unique.
    init(uniqueMembers members: [Member]) {
        self.members = members
    }

    /// An object from members; a later member replaces an earlier one with the same name.
    public init(_ members: [Member]) {
        self.members = []
        self.members.reserveCapacity(members.count)
        for member in members {
            self[member.key] = member.value
        }
    }

    /// The number of members.
    public var count: Int { members.count }

    /// Whether the object has no members.
    public var isEmpty: Bool { members.isEmpty }

    /// The member names, in stored order.
    public var keys: [String] { members.map(\.key) }

    /// The value of the member named `key`, or `nil`; setting `nil` removes it.
    public subscript(key: String) -> JSONValue? {
        get {
            members.first { $0.key == key }?.value
        }
        set {
            let index = members.firstIndex { $0.key == key }
            switch (index, newValue) {
            case (let index?, let value?): members[index].value = value
            case (let index?, nil): members.remove(at: index)
            case (nil, let value?): members.append(Member(key: key, value: value))
            case (nil, nil): break
            }
        }
    }

    /// Removes the member named `key` and returns its value.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let index = members.firstIndex(where: { $0.key == key }) else { return nil }
        return members.remove(at: index).value
    }
}

// MARK: - Equality ignores member order

extension JSONObject: Hashable {
    /// Whether both objects have the same members, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        return lhs.members.allSatisfy { member in rhs[member.key] == member.value }
    }

    /// Hashes the members independently of their order, so equal objects hash alike.
    public func hash(into hasher: inout Hasher) {
        // Order-independent: combine per-member hashes commutatively.
        var combined = 0
        for member in members {
            var memberHasher = Hasher()
            memberHasher.combine(member)
            combined ^= memberHasher.finalize()
        }
        hasher.combine(members.count)
        hasher.combine(combined)
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// An object from a literal such as `["queue": "main", "shots": 1024]`; a later member replaces
    /// an earlier one with the same name.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { Member(key: $0.0, value: $0.1) })
    }
}

extension JSONObject: Sequence {
    /// Iterates over the members in stored order (which carries no meaning).
    public func makeIterator() -> IndexingIterator<[Member]> {
        members.makeIterator()
    }
}
