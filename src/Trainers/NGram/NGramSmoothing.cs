namespace ArML.Trainers.NGram;

/// <summary>How an n-gram model turns counts into probabilities. Every method interpolates each order with the next lower one.</summary>
public enum NGramSmoothing
{
    /// <summary>
    /// Interpolated modified Kneser-Ney (Chen &amp; Goodman 1998): continuation counts below the highest order and
    /// three discounts per order (for counts 1, 2 and 3+) estimated from counts-of-counts, exactly as KenLM's
    /// <c>lmplz</c> builds it. The best of the three on real text.
    /// </summary>
    ModifiedKneserNey,

    /// <summary>
    /// Interpolated Kneser-Ney with one discount per order, D = n₁ / (n₁ + 2n₂) (Ney, Essen &amp; Kneser 1994), on the
    /// same continuation counts. A teaching baseline: modified Kneser-Ney differs only in its three discounts.
    /// </summary>
    KneserNey,

    /// <summary>
    /// Additive (Lidstone) smoothing on raw counts: p(w | h) = (c(h w) + k·V·p(w | h′)) / (c(h) + k·V), where V is the
    /// number of predictable words and h′ the context without its oldest word. At order 1 this is exactly
    /// (c(w) + k) / (N + k·V); a higher order adds k·V pseudo-counts spread like the lower order instead of uniformly,
    /// which keeps the model normalized and storable in ARPA form.
    /// </summary>
    AddK,
}
