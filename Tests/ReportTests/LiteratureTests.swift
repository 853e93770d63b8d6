import Report
import Testing
import Vocabulary

@Test func literatureTablesMatchThePaper() {
    // Row counts and the paper's own figures, Tables 1-3.
    #expect(Literature.rows(.none).isEmpty)
    #expect(Literature.rows(.ckplus).count == 9)
    #expect(Literature.rows(.mmi).count == 8)
    #expect(Literature.rows(.oulu).count == 10)
    #expect(Literature.reported(.ckplus, modelKind: "hagan") == 96.14)
    #expect(Literature.reported(.mmi, modelKind: "cnn") == 58.46)
    #expect(Literature.reported(.oulu, modelKind: "hagan") == 88.26)
    for t in PaperTable.paperTables {
        for r in Literature.rows(t) {
            #expect(!r.citation.isEmpty, "\(t) \(r.method) has no citation")
            #expect(r.accuracy > 50 && r.accuracy < 100)
        }
        #expect(Literature.rows(t).filter(\.reported).map(\.method) == ["CNN(baseline)", "HA-GAN"])
    }
}
