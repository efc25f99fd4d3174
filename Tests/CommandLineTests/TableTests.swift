import Testing

@testable import casa_release

/// Tables and spellings written without Foundation's NSString (Table, ArgumentNormalizer).
@Suite struct TableTests {
    /// Every column but the last padded to its widest cell, counted in characters (an accented
    /// letter, a CJK character, an emoji count one each), two spaces between.
    @Test func columnsAreAlignedByCharacters() {
        let text = Table.render([
            ["STEP", "STATUS", "DETAIL"], ["résumé", "ok", "x"], ["名前", "succeeded", ""], ["🚀", "", "y"],
        ])
        let lines = [
            "STEP    STATUS     DETAIL", "résumé  ok         x",
            "名前" + String(repeating: " ", count: 6) + "succeeded  ",
            "🚀" + String(repeating: " ", count: 18) + "y",
        ]
        #expect(text == lines.joined(separator: "\n"))
        #expect(Table.render([]) == "")
    }

    /// casa-distro's underscores become dashes in a command's and an option's name, never in a
    /// value; a name with non-ASCII letters keeps them.
    @Test func underscoresBecomeDashesInNamesOnly() {
        #expect(
            ArgumentNormalizer.normalize(["create_base_image", "image_version=ubuntu_24.04", "--base_dir", "/a_b"])
                == ["create-base-image", "--image-version=ubuntu_24.04", "--base-dir", "/a_b"])
    }
}
