// ContactSheet: one RGB picture of the synthetic data: a row per human subject with one column per
// class (anger, disgust, fear, happiness, sadness, surprise, neutral: the label order), then a row
// per character in the same column order. Used to check by eye that faces read as faces and that
// the expressions are recognisable.

import FaceData

public enum ContactSheet {
    /// Tiles the last frame of each subject's first sequence of every class, then the characters.
    /// Gray images are shown as gray RGB. `gap` pixels of white separate the tiles.
    public static func make(humans: SyntheticHumans, characters: SyntheticCharacters, subjects: Int,
                            gap: Int = 2) -> Image {
        precondition(humans.size == characters.size, "ContactSheet: humans \(humans.size) px, characters \(characters.size) px")
        let classes = humans.classes
        var rows = [[Image]]()
        for s in 0..<min(subjects, humans.subjects.count) {
            rows.append(classes.indices.map { k in
                humans.record(subject: s, sequence: k, frame: humans.framesPerSequence - 1).image
            })
        }
        for c in characters.characters.indices {
            rows.append(classes.map { characters.record(character: c, label: $0, index: 0).image })
        }
        return tile(rows, gap: gap)
    }

    /// Tiles rows of equally sized images into one RGB image.
    public static func tile(_ rows: [[Image]], gap: Int) -> Image {
        precondition(!rows.isEmpty && !rows[0].isEmpty, "ContactSheet.tile of no images")
        let cell = rows[0][0].width, cellH = rows[0][0].height
        let columns = rows.map(\.count).max()!
        let width = columns * cell + (columns + 1) * gap, height = rows.count * cellH + (rows.count + 1) * gap
        var sheet = Image(width: width, height: height, channels: 3, value: 1)
        for (r, row) in rows.enumerated() {
            for (k, image) in row.enumerated() {
                precondition(image.width == cell && image.height == cellH, "ContactSheet.tile: tiles differ in size")
                let x0 = gap + k * (cell + gap), y0 = gap + r * (cellH + gap)
                for c in 0..<3 {
                    let source = image.channels == 1 ? 0 : c
                    for y in 0..<cellH {
                        for x in 0..<cell { sheet[c, y0 + y, x0 + x] = image[source, y, x] }
                    }
                }
            }
        }
        return sheet
    }
}
