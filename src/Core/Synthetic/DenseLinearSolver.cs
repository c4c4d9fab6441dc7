namespace ArML.Synthetic;

/// <summary>
/// Solves small dense linear systems A x = b by Gaussian elimination with partial (row) pivoting in
/// double precision. Used for the fundamental-matrix quantities of absorbing Markov chains.
/// </summary>
internal static class DenseLinearSolver
{
    /// <summary>
    /// Returns x with A x = b. Neither argument is modified. Throws <see cref="InvalidOperationException"/>
    /// when A is (numerically) singular.
    /// </summary>
    public static double[] Solve(double[,] matrix, double[] rightHandSide)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentNullException.ThrowIfNull(rightHandSide);
        int n = rightHandSide.Length;
        if (matrix.GetLength(0) != n || matrix.GetLength(1) != n)
            throw new ArgumentException($"The matrix must be {n}x{n} to match the right-hand side.", nameof(matrix));

        var a = (double[,])matrix.Clone();
        var b = (double[])rightHandSide.Clone();

        double scale = 0;
        foreach (double value in a) scale = Math.Max(scale, Math.Abs(value));
        double singularThreshold = Math.Max(scale, 1.0) * n * 1e-14;

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
            if (!(pivotMagnitude > singularThreshold))
                throw new InvalidOperationException($"The linear system is singular (pivot {pivotMagnitude:R} in column {column}).");

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
}
