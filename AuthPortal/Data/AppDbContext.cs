using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Data;

/// <summary>
/// The one Identity DbContext. SQLite uses it as it is (its migrations are in <c>Migrations/Sqlite</c>); PostgreSQL uses
/// <c>Infrastructure/Database/PostgresAppDbContext</c>, a subclass that only gives EF Core a second migrations set.
/// </summary>
public class AppDbContext : IdentityDbContext<AppUser, AppRole, string>, IDataProtectionKeyContext
{
    public AppDbContext(DbContextOptions<AppDbContext> options) : base(options)
    {
    }

    protected AppDbContext(DbContextOptions options) : base(options)
    {
    }

    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<UserSession> UserSessions => Set<UserSession>();
    public DbSet<SigningKey> SigningKeys => Set<SigningKey>();
    public DbSet<RefreshToken> RefreshTokens => Set<RefreshToken>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<ProtectedSecret> ProtectedSecrets => Set<ProtectedSecret>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<ApiKeyDailyUse> ApiKeyDailyUses => Set<ApiKeyDailyUse>();
    public DbSet<RoleInclusion> RoleInclusions => Set<RoleInclusion>();
    public DbSet<Organization> Organizations => Set<Organization>();
    public DbSet<OrgRole> OrgRoles => Set<OrgRole>();
    public DbSet<OrgMember> OrgMembers => Set<OrgMember>();
    public DbSet<Invitation> Invitations => Set<Invitation>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(AppDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite cannot order or compare DateTimeOffset columns; storing UTC ticks keeps
        // ordering and range queries in the database on every provider.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToUtcTicksConverter>();
    }
}
