import Testing
@testable import VerdantConfig

@Suite struct KeyLocatorTests {
    let text = """
        # a comment with [brackets] and key = value
        top = 1

        [run]
        engine = "local"   # trailing comment
          nb_task_max=30
        "quoted key" = 'x'
        note = "a [ bracket and # hash inside a string"

        [area]
        geometry = [[
          [12.0, 45.5],
          [15.5, 45.5],   # scale = 3 in a comment inside the array
        ]]
        scale = 30
        text = \"\"\"
        fake = 1
        [fake]
        \"\"\"
        after = true

        [mask.clustering]
        n_clusters = 10
        [mask]
        clustering.num_pixels = 5000
        """

    var locator: KeyLocator { KeyLocator(text: text) }

    @Test func findsKeysUnderTheirTables() {
        #expect(locator.line(of: "top") == 2)
        #expect(locator.line(of: "run") == 4)
        #expect(locator.line(of: "run.engine") == 5)
        #expect(locator.line(of: "run.nb_task_max") == 6)
        #expect(locator.line(of: "run.quoted key") == 7)
        #expect(locator.line(of: "run.note") == 8)
        #expect(locator.line(of: "mask.clustering") == 22)
        #expect(locator.line(of: "mask.clustering.n_clusters") == 23)
        #expect(locator.line(of: "mask.clustering.num_pixels") == 25)
    }

    @Test func aMultiLineValueStartsWhereItsKeyIs() {
        #expect(locator.line(of: "area.geometry") == 11)
        #expect(locator.line(of: "area.scale") == 15)
        #expect(locator.line(of: "area.text") == 16)
        #expect(locator.line(of: "area.after") == 20)
    }

    @Test func ignoresWhatIsInsideStringsArraysAndComments() {
        let paths = locator.entries.map(\.path)
        #expect(!paths.contains("area.fake"))
        #expect(!paths.contains("fake"))
        #expect(!paths.contains("brackets"))
        #expect(!paths.contains { $0.hasSuffix("scale") && $0 != "area.scale" })
        #expect(paths.filter { $0 == "area.scale" }.count == 1)
    }

    @Test func issueKeysFallBackToTheKeyThenItsTableThenLineOne() {
        #expect(locator.line(for: "area.geometry ring 0") == 11)
        #expect(locator.line(for: "area.image_to_exclude[2]") == 10)  // absent key: its [area] header
        #expect(locator.line(for: "run.workers") == 4)
        #expect(locator.line(for: "earthengine.project") == 1)  // no [earthengine] at all
        #expect(locator.line(for: "mask.number_trees") == 24)  // the [mask] header
    }

    @Test func aTableImpliedByItsSubtableStartsAtTheSubtable() {
        let locator = KeyLocator(text: "a = 1\n[mask.clustering]\nn_clusters = 2\n")
        #expect(locator.line(of: "mask") == nil)
        #expect(locator.line(for: "mask.cutoff") == 2)
    }

    @Test func windowsLineEndingsAndByteOrderMark() {
        let locator = KeyLocator(text: "\u{FEFF}[run]\r\nengine = \"local\"\r\n\r\nworkers = 2\r\n")
        #expect(locator.line(of: "run") == 1)
        #expect(locator.line(of: "run.engine") == 2)
        #expect(locator.line(of: "run.workers") == 4)
    }

    @Test func arraysOfTablesAndInlineTables() {
        let locator = KeyLocator(text: "[[item]]\nname = 'a'\npoint = { x = 1, y = [2, 3] }\nnext = 4\n")
        #expect(locator.entries.first == KeyLocator.Entry(path: "item", line: 1, isTable: true))
        #expect(locator.line(of: "item.point") == 3)
        #expect(locator.line(of: "item.next") == 4)
        #expect(locator.line(of: "item.x") == nil)
    }

    @Test func editDistanceCountsTypos() {
        #expect(editDistance("nb_task_mx", "nb_task_max") == 1)
        #expect(editDistance("workres", "workers") == 2)
        #expect(editDistance("", "abc") == 3)
        #expect(editDistance("same", "same") == 0)
    }
}
