namespace ArML.Trainers.Generation;

/// <summary>
/// What a decoder of a model with a bounded context keeps of a row: the ids one step conditions on.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>A beginning (condition, start of row and prompt) longer than the context is left-truncated to its last
/// ContextLength ids.</item>
/// <item>When a full window (ContextLength ids) receives one more id, it keeps its most recent
/// <see cref="Retained"/> ids (half the context, the new id included) and the model re-reads them in one pass.
/// Until the window is full again each step extends it, so past the context every prediction sees between half and
/// all of the context. This amortizes the re-read over half a context of cheap steps, where sliding by one id would
/// cost a full pass at every step (GPT's learned positions make cached keys position-dependent).</item>
/// </list>
/// A conditional model's condition is part of the window like any id, as in scoring: past the context it slides out.
/// </remarks>
internal static class ContextWindow
{
    /// <summary>Ids a full window keeps when it slides: half the context, at least one.</summary>
    public static int Retained(int contextLength) => Math.Max(1, contextLength / 2);

    /// <summary>The window a row starts with: the last <paramref name="contextLength"/> ids of <paramref name="prefix"/>.</summary>
    public static List<int> Start(IReadOnlyList<int> prefix, int contextLength)
    {
        int take = Math.Min(prefix.Count, contextLength);
        var window = new List<int>(Math.Min(contextLength, Math.Max(take, 16)));
        for (int i = prefix.Count - take; i < prefix.Count; i++) window.Add(prefix[i]);
        return window;
    }

    /// <summary>Adds <paramref name="id"/> to <paramref name="window"/>; returns true when the window slid.</summary>
    public static bool Push(List<int> window, int id, int contextLength)
    {
        window.Add(id);
        if (window.Count <= contextLength) return false;
        window.RemoveRange(0, window.Count - Retained(contextLength));
        return true;
    }
}
