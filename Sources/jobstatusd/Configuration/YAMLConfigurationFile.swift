import Yams

/// Reads `jobstatusd.yaml` into flat dotted keys with their line numbers.
///
/// Nested mappings become dotted keys (`output: {topic: x}` is `output.topic`);
/// below `kafka:` a key may itself contain dots (`bootstrap.servers`). Lists
/// are kept as comma-joined text (only `input.topics` takes one).
enum YAMLConfigurationFile {
    static func read(path: String, contents: String) throws(ConfigurationError) -> [RawSetting] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: contents)
        } catch {
            throw ConfigurationError(
                "\(path): not valid YAML: \(String(describing: error).split(separator: "\n").first ?? "")")
        }
        guard let root else { return [] }
        guard case .mapping(let mapping) = root else {
            throw ConfigurationError("\(path): the top level must be a mapping of settings (key: value)")
        }
        var settings: [RawSetting] = []
        try flatten(mapping, prefix: "", path: path, into: &settings)
        return settings
    }

    private static func flatten(
        _ mapping: Node.Mapping, prefix: String, path: String, into settings: inout [RawSetting]
    ) throws(ConfigurationError) {
        for (keyNode, valueNode) in mapping {
            guard let name = keyNode.string else {
                throw ConfigurationError("\(path) line \(line(keyNode)): keys must be strings")
            }
            let key = prefix + name
            let source = ConfigurationSource.file(path: path, line: line(keyNode))
            switch valueNode {
            case .mapping(let nested):
                try flatten(nested, prefix: key + ".", path: path, into: &settings)
            case .sequence(let sequence):
                var items: [String] = []
                for item in sequence {
                    guard let text = item.string else {
                        throw ConfigurationError(key: key, source: source, "list items must be plain values")
                    }
                    items.append(text)
                }
                settings.append(RawSetting(key: key, value: items.joined(separator: ","), source: source))
            case .scalar(let scalar):
                let isNull = scalar.string == "~" || (scalar.string == "null" && scalar.style == .plain)
                settings.append(RawSetting(key: key, value: isNull ? "" : scalar.string, source: source))
            case .alias:
                throw ConfigurationError(key: key, source: source, "YAML anchors and aliases are not supported here")
            }
        }
    }

    private static func line(_ node: Node) -> Int {
        (node.mark?.line ?? 0)
    }
}
