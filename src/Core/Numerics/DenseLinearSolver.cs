namespace ArML.Numerics;

/// <summary>
/// Solves small dense linear systems A x = b by Gaussian elimination with partial (row) pivoting in
/// double precision, and inverts small matrices by Gauss–Jordan elimination: ArML's one linear solver (the
/// fundamental-matrix quantities of absorbing Markov chains, the scaling-law fits' damped steps and covariances).
/// </summary>
internal static class DenseLinearSolver
{
    /// <summary>
    /// Returns x with A x = b. Neither argument is modified. Throws <see cref="InvalidOperationException"/>
    /// when A is (numerically) singular.
    /// </summary>
    public static double[] Solve(double[,] matrix, double[] rightHandSide) =>
        TrySolve(matrix, rightHandSide, out int column, out double pivot)
        ?? throw new InvalidOperationException($"The linear system is singular (pivot {pivot:R} in column {column}).");

    /// <summary>x with A x = b, or null when A is (numerically) singular or not finite.</summary>
    public static double[]? TrySolve(double[,] matrix, double[] rightHandSide) => TrySolve(matrix, rightHandSide, out _, out _);

    private static double[]? TrySolve(double[,] matrix, double[] rightHandSide, out int failedColumn, out double failedPivot)
    {
        failedColumn = -1;
        failedPivot = double.NaN;
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(rightHandSide);
        int n = rightHandSide.Length;
        if (matrix.GetLength(0) != n || matrix.GetLength(1) != n)
            throw new ArgumentException($"The matrix must be {n}x{n} to match the right-hand side.", nameof(matrix));

        var a = (double[,])matrix.Clone();
        var b = (double[])rightHandSide.Clone();

        double scale = 0;
        foreach (double value in a) scale = Math.Max(scale, Math.Abs(value));
        // Relative to the matrix's largest entry, so that systems of small magnitude (a scaling-law fit's Hessian)
        // solve as well as those near 1 (a Markov chain's I - Q).
        double singularThreshold = scale * n * 1e-14;

        for (int column = 0; column < n; column++)
        {
            // Partial pivoting: bring the largest remaining entry of this column to the diagonal.
            int pivotRow = column;
            double pivotMagnitude = Math.Abs(a[column, column]);
            for (int row = column + 1; row < n; row++)
            {
                double magnitude = Math.Abs(a[row, column]);
                if (magnitude > pivotMagnitude)
                {
                    pivotMagnitude = magnitude;
                    pivotRow = row;
                }
            }
            if (!(pivotMagnitude > singularThreshold) || !double.IsFinite(pivotMagnitude))
            {
                (failedColumn, failedPivot) = (column, pivotMagnitude);
                return null;
            }

            if (pivotRow != column)
            {
                for (int k = column; k < n; k++)
                    (a[column, k], a[pivotRow, k]) = (a[pivotRow, k], a[column, k]);
                (b[column], b[pivotRow]) = (b[pivotRow], b[column]);
            }

            double pivot = a[column, column];
            for (int row = column + 1; row < n; row++)
            {
                double factor = a[row, column] / pivot;
                if (factor == 0) continue;
                a[row, column] = 0;
                for (int k = column + 1; k < n; k++)
                    a[row, k] -= factor * a[column, k];
                b[row] -= factor * b[column];
            }
        }

        // Back substitution on the upper-triangular system.
        var x = new double[n];
        for (int row = n - 1; row >= 0; row--)
        {
            double sum = b[row];
            for (int k = row + 1; k < n; k++)
                sum -= a[row, k] * x[k];
            x[row] = sum / a[row, row];
        }
        return x;
    }

    /// <summary>The inverse of <paramref name="matrix"/> (Gauss–Jordan elimination with partial pivoting), or null when it is numerically singular.</summary>
    public static double[,]? Invert(double[,] matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        int n = matrix.GetLength(0);
        if (matrix.GetLength(1) != n) throw new ArgumentException($"The matrix must be square, not {n}x{matrix.GetLength(1)}.", nameof(matrix));
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
}
