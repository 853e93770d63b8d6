// Synthetic humans and characters: determinism, sequences, impurity and nuisances, rig parameters,
// landmarks from the face geometry.

import FaceData
import SyntheticFaces
import Testing
import Vocabulary

@Test func sameSeedSameBytesOtherSeedOtherFaces() {
    let a = SyntheticHumans(subjects: 3, seed: 11, size: 48, channels: 1, framesPerSequence: 2)
    let b = SyntheticHumans(subjects: 3, seed: 11, size: 48, channels: 1, framesPerSequence: 2)
    let c = SyntheticHumans(subjects: 3, seed: 12, size: 48, channels: 1, framesPerSequence: 2)
    let ra = a.records(), rb = b.records(), rc = c.records()
    #expect(ra.count == 3 * 7 * 2)
    #expect(ra.map(\.image) == rb.map(\.image))
    #expect(ra.map(\.landmarks) == rb.map(\.landmarks))
    #expect(a.subjects.map(\.identity) != c.subjects.map(\.identity))
    #expect(zip(ra, rc).allSatisfy { $0.image != $1.image })
    // Random access gives the same record as the full enumeration.
    let one = a.record(subject: 2, sequence: 4, frame: 1)
    #expect(one.image == ra[(2 * 7 + 4) * 2 + 1].image)
    let ch1 = SyntheticCharacters(seed: 5, size: 40).records(), ch2 = SyntheticCharacters(seed: 5, size: 40).records()
    #expect(ch1.map(\.image) == ch2.map(\.image))
}

@Test func subjectsDifferInIdentity() {
    let humans = SyntheticHumans(subjects: 12, seed: 3, size: 32)
    let widths = Set(humans.subjects.map(\.identity.headWidth))
    let hair = Set(humans.subjects.map(\.identity.hairStyle))
    #expect(widths.count == 12)
    #expect(hair.count >= 3)
    #expect(humans.subjects.map(\.name).prefix(2) == ["S001", "S002"])
}

@Test func sequencesRunFromNeutralToPeak() {
    let humans = SyntheticHumans(subjects: 2, seed: 4, size: 48, classes: Expression.basic6, framesPerSequence: 6)
    for q in 0..<humans.sequencesPerSubject {
        let frames = (0..<6).map { humans.record(subject: 1, sequence: q, frame: $0) }
        #expect(frames.allSatisfy { $0.label == humans.label(sequence: q) })
        #expect(frames[0].intensity == 0)
        #expect(zip(frames, frames.dropFirst()).allSatisfy { $0.intensity < $1.intensity })
        #expect(frames[5].intensity >= 0.5 && frames[5].intensity <= 1)
        // The prototype's units grow along the sequence.
        let units = frames[0].label.prototypeUnits
        let first = units.map { frames[0].controls[$0] }.reduce(0, +)
        let last = units.map { frames[5].controls[$0] }.reduce(0, +)
        #expect(last > first + 0.3 * Float(units.count))
    }
}

@Test func pureVariationDrawsTheExactPrototype() {
    let humans = SyntheticHumans(subjects: 2, seed: 9, size: 32, variation: .none)
    for q in 0..<7 {
        let r = humans.record(subject: 0, sequence: q, frame: 0)
        #expect(r.controls == r.label.prototype)
    }
    // The standard variation makes the peaks impure: not the prototype scaled by one factor.
    let varied = SyntheticHumans(subjects: 4, seed: 9, size: 32).records().filter { $0.label != .neutral }
    let impure = varied.filter { r in
        let p = r.label.prototype.values
        return zip(r.controls.values, p).contains { $1 == 0 && $0 > 0.05 }
    }
    #expect(impure.count > varied.count / 2)
}

@Test func charactersArePureWithRigsAndANeutralTarget() {
    let set = SyntheticCharacters(seed: 2, size: 48, imagesPerClass: 2)
    let records = set.records()
    #expect(records.count == SyntheticCharacter.all.count * 7 * 2)
    #expect(records.allSatisfy { $0.rig == $0.label.prototype && $0.image.channels == 3 })
    for c in set.characters.indices {
        let neutral = set.neutral(character: c)
        #expect(neutral.label == .neutral && neutral.rig == ExpressionControls())
        // Tiny jitter only: the jittered neutral is not the target but, on a coarse grid, within
        // 1.5% of it on average.
        let jittered = set.record(character: c, label: .neutral, index: 1).image
        #expect(jittered != neutral.image)
        #expect(meanAbsoluteDifference(pooled(jittered), pooled(neutral.image)) < 0.015)
    }
    let still = SyntheticCharacters(seed: 2, size: 48, imagesPerClass: 2, jitter: 0)
    #expect(still.record(character: 0, label: .fear, index: 0).image
            == still.record(character: 0, label: .fear, index: 1).image)
    let gray = SyntheticCharacters(seed: 2, size: 32, channels: 1).record(character: 2, label: .anger, index: 0)
    #expect(gray.image.channels == 1 && gray.image.width == 32)
    // Characters differ from each other.
    #expect(set.neutral(character: 0).image != set.neutral(character: 1).image)
}

@Test func landmarksFollowTheFace() {
    let humans = SyntheticHumans(subjects: 1, seed: 1, size: 64, variation: .none)
    func landmarks(_ e: Expression) -> [SIMD2<Float>] {
        humans.record(subject: 0, sequence: humans.classes.firstIndex(of: e)!, frame: 0).landmarks
    }
    let happy = landmarks(.happiness), neutral = landmarks(.neutral), surprise = landmarks(.surprise)
    #expect(neutral.count == 68)
    #expect(neutral.allSatisfy { $0.x > 0 && $0.x < 64 && $0.y > 0 && $0.y < 64 })
    // Image-left eye outer corner (36) left of the right eye's outer corner (45); brows above eyes;
    // nose tip (30) above the mouth (51); chin (8) lowest.
    #expect(neutral[36].x < neutral[45].x && neutral[19].y < neutral[37].y && neutral[30].y < neutral[51].y)
    #expect(neutral[8].y == neutral.map(\.y).max())
    // AU12 widens the mouth and lifts its corners; AU26 drops the chin.
    #expect(happy[54].x - happy[48].x > neutral[54].x - neutral[48].x)
    #expect(happy[48].y < neutral[48].y)
    #expect(surprise[8].y > neutral[8].y + 2)
    #expect(surprise[66].y - surprise[62].y > 4)
}

@Test func contactSheetTilesHumansAndCharacters() {
    let humans = SyntheticHumans(subjects: 2, seed: 1, size: 24)
    let sheet = ContactSheet.make(humans: humans, characters: SyntheticCharacters(seed: 1, size: 24), subjects: 2, gap: 2)
    let rows = 2 + SyntheticCharacter.all.count
    #expect(sheet.channels == 3 && sheet.width == 7 * 24 + 8 * 2 && sheet.height == rows * 24 + (rows + 1) * 2)
}

/// Averages 6 x 6 blocks: a comparison that ignores sub-pixel jitter.
private func pooled(_ image: Image, block: Int = 6) -> Image {
    let w = image.width / block, h = image.height / block
    var out = Image(width: w, height: h, channels: image.channels)
    for c in 0..<image.channels {
        for y in 0..<(h * block) {
            for x in 0..<(w * block) { out[c, y / block, x / block] += image[c, y, x] / Float(block * block) }
        }
    }
    return out
}

private func meanAbsoluteDifference(_ a: Image, _ b: Image) -> Float {
    zip(a.pixels, b.pixels).map { abs($0 - $1) }.reduce(0, +) / Float(a.pixels.count)
}
