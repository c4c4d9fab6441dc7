namespace ArML.Examples.PretrainedGpt2;

/// <summary>A few paragraphs of plain English prose used when no <c>--text</c> file is given (written for this example).</summary>
public static class BuiltInText
{
    /// <summary>One paragraph per row.</summary>
    public static IReadOnlyList<string> Paragraphs { get; } =
    [
        "The river town grew up around a wooden bridge. Farmers crossed it on market days with carts of apples, cheese and wool, and the inn beside it was never empty.",
        "In the spring the water rose over the lower fields, so the townspeople built a stone wall along the bank. It took three summers and most of the village to finish it.",
        "A school opened in the old mill when the miller retired. The first teacher taught reading, arithmetic and a little geography from a map she had drawn herself.",
        "When the railway arrived, the bridge lost its traffic. The inn became a post office, and the market moved to the square in front of the new station.",
        "Visitors from the city came on Sundays to walk along the wall and watch the boats. Some of them stayed, opened shops and painted the houses in bright colours.",
        "Today the town has a library, two bakeries and a small museum about the river. Children still learn to swim in the shallow bend below the bridge every summer.",
        "The museum keeps the teacher's hand-drawn map in a glass case. Next to it hangs a photograph of the wall being built, with the whole village standing on the stones.",
        "Every autumn the town holds a fair on the bridge itself. Stalls sell apples and wool again, as they did a century ago, and the square fills with music until late.",
        "Old residents say the river is calmer now than in their childhood. Engineers upstream built a dam, and the spring floods that once covered the fields rarely come.",
        "A new footbridge of steel and glass was opened last year, but most people still prefer the old wooden one. It creaks underfoot, and that, they say, is its charm.",
    ];
}
