using System.Text;

namespace ArML.Tests.Transforms;

/// <summary>Seeded random strings of valid Unicode: ASCII, controls, Latin, combining marks, CJK, emoji sequences, astral letters.</summary>
public static class RandomUnicode
{
    private static readonly (int First, int Last)[] Ranges =
    [
        (0x20, 0x7E), (0x20, 0x7E), (0x00, 0x1F), (0x7F, 0x9F), (0xA0, 0x17F), (0x300, 0x36F), (0x370, 0x3FF), (0x400, 0x4FF),
        (0x590, 0x5FF), (0x600, 0x6FF), (0x900, 0x97F), (0xE00, 0xE7F), (0x2000, 0x206F), (0x3000, 0x30FF), (0x4E00, 0x9FFF),
        (0xAC00, 0xD7A3), (0xFE00, 0xFE0F), (0xFF00, 0xFFEF), (0x1D400, 0x1D7FF), (0x1F300, 0x1F6FF), (0x1F900, 0x1F9FF),
        (0x10400, 0x1044F), (0x20000, 0x2A6DF), (0xE0000, 0xE007F),
    ];

    public static IEnumerable<string> Strings(int count, int seed)
    {
        var random = new Random(seed);
        for (int n = 0; n < count; n++)
        {
            var text = new StringBuilder();
            int length = random.Next(0, 40);
            for (int i = 0; i < length; i++)
            {
                if (random.Next(12) == 0)
                {
                    text.Append(random.Next(3) switch { 0 => "👨\u200D👩\u200D👧", 1 => "👍🏾", _ => "e\u0301\u0323" });
                    continue;
                }
                var (first, last) = Ranges[random.Next(Ranges.Length)];
                text.Append(char.ConvertFromUtf32(random.Next(first, last + 1)));
            }
            yield return text.ToString();
        }
    }
}
