namespace ArML.Evaluators.ScalingLaws;

/// <summary>Inverse of a small symmetric positive (semi-)definite matrix by Gauss–Jordan elimination with pivoting.</summary>
internal static class SmallMatrix
{
    /// <summary>The inverse of <paramref name="matrix"/>, or null when it is numerically singular.</summary>
    public static double[,]? Invert(double[,] matrix)
    {
        int n = matrix.GetLength(0);
        var a = (double[,])matrix.Clone();
        var inverse = new double[n, n];
        for (int i = 0; i < n; i++) inverse[i, i] = 1;
        double scale = 0;
        foreach (double v in a) scale = Math.Max(scale, Math.Abs(v));
        if (!(scale > 0) || !double.IsFinite(scale)) return null;
        for (int column = 0; column < n; column++)
        {
            int pivot = column;
            for (int row = column + 1; row < n; row++)
                if (Math.Abs(a[row, column]) > Math.Abs(a[pivot, column])) pivot = row;
            if (Math.Abs(a[pivot, column]) <= scale * 1e-14) return null;
            for (int k = 0; k < n; k++)
            {
                (a[column, k], a[pivot, k]) = (a[pivot, k], a[column, k]);
                (inverse[column, k], inverse[pivot, k]) = (inverse[pivot, k], inverse[column, k]);
            }
            double diagonal = a[column, column];
            for (int k = 0; k < n; k++)
            {
                a[column, k] /= diagonal;
                inverse[column, k] /= diagonal;
            }
            for (int row = 0; row < n; row++)
            {
                if (row == column) continue;
                double factor = a[row, column];
                if (factor == 0) continue;
                for (int k = 0; k < n; k++)
                {
                    a[row, k] -= factor * a[column, k];
                    inverse[row, k] -= factor * inverse[column, k];
                }
            }
        }
        return inverse;
    }

    /// <summary>x = A⁻¹ b, or null when A is numerically singular.</summary>
    public static double[]? Solve(double[,] matrix, double[] rightHandSide)
    {
        var inverse = Invert(matrix);
        if (inverse is null) return null;
        int n = rightHandSide.Length;
        var x = new double[n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) x[i] += inverse[i, j] * rightHandSide[j];
        return x;
    }
}
