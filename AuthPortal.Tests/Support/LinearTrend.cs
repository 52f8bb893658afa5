namespace AuthPortal.Tests.Support;

/// <summary>The least-squares slope of a series: how fast a figure grows per unit of x, for the memory trends.</summary>
public static class LinearTrend
{
    public static double Slope(IReadOnlyList<(double X, double Y)> points)
    {
        var meanX = points.Average(p => p.X);
        var meanY = points.Average(p => p.Y);
        var covariance = points.Sum(p => (p.X - meanX) * (p.Y - meanY));
        var variance = points.Sum(p => (p.X - meanX) * (p.X - meanX));
        return variance == 0 ? 0 : covariance / variance;
    }
}
