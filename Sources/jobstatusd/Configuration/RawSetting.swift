/// One raw setting before typing: key, text and origin.
struct RawSetting: Equatable {
    var key: String
    var value: String
    var source: ConfigurationSource
}
