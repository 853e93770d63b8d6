import FaceData
import Testing

@Test func imageTensorMapsToMinusOneOne() {
    let a = Image(width: 2, height: 1, channels: 1, pixels: [0, 1])
    let b = Image(width: 2, height: 1, channels: 1, pixels: [0.5, 0.25])
    let t = Image.tensor([a, b])
    #expect(t.shape == [2, 1, 1, 2])
    #expect(t.scalars == [-1, 1, 0, -0.5])
}
