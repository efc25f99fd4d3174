import Testing

@testable import casa_release

/// `GlobalOptions.knownNames` is what a start reads to know which options may come before the
/// command and take a value; the parser's own description of `GlobalOptions` is the truth.
@Suite struct GlobalOptionsTests {
    @Test func theKnownNamesAreWhatTheParserSays() {
        let described = CommandCatalog.current.globalOptions.mapValues(\.takesValue)
        #expect(described == GlobalOptions.knownNames)
    }
}
