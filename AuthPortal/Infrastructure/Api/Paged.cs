namespace AuthPortal.Infrastructure.Api;

/// <summary>The list shape every paged list answers with, in the UI and /api (DESIGN.md "API conventions").</summary>
public sealed record Paged<T>(IReadOnlyList<T> Items, int Page, int PageSize, int Total)
{
    public const int MaxPageSize = 200;
    public const int DefaultPageSize = 25;

    /// <summary>The last page number answered: past it the row offset would not fit in an int (an empty page is answered).</summary>
    public const int MaxPage = int.MaxValue / MaxPageSize;

    /// <summary>Page from 1 to <see cref="MaxPage"/>, size between 1 and <see cref="MaxPageSize"/>.</summary>
    public static (int Page, int PageSize) Clamp(int page, int pageSize) => (Math.Clamp(page, 1, MaxPage), Math.Clamp(pageSize, 1, MaxPageSize));
}

/// <summary>An unpaged list: <c>{items: [...]}</c>.</summary>
public sealed record ItemList<T>(IReadOnlyList<T> Items);

/// <summary>How many things a bulk revocation ended: <c>{revoked: n}</c>.</summary>
public sealed record RevokedCount(int Revoked);
