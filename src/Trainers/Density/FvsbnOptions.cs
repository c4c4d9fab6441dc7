namespace ArML.Trainers.Density;

/// <summary>
/// Options of an FVSBN (fully visible sigmoid belief network): one logistic regression per dimension on the
/// preceding dimensions (a softmax or mixture regression for other distributions), in the natural order.
/// Everything else comes from <see cref="DensityTrainerOptions"/>.
/// </summary>
public sealed class FvsbnOptions : DensityTrainerOptions
{
    internal override DensityModelFamily Family => DensityModelFamily.Fvsbn;

    internal override int[] HiddenSizes => [];
}
