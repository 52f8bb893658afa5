using AuthPortal.Components;
using AuthPortal.Data;
using AuthPortal.Components.Account;
using AuthPortal.Features.ApiKeys;
using AuthPortal.Features.Audit;
using AuthPortal.Features.AuditTrail;
using AuthPortal.Features.Me;
using AuthPortal.Features.Organizations;
using AuthPortal.Features.Roles;
using AuthPortal.Features.ServiceAccounts;
using AuthPortal.Features.Sessions;
using AuthPortal.Features.Setup;
using AuthPortal.Features.SignIn;
using AuthPortal.Features.Tokens;
using AuthPortal.Features.Users;
using AuthPortal.Infrastructure.Api;
using AuthPortal.Infrastructure.Database;
using AuthPortal.Infrastructure.Security;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Scalar.AspNetCore;

namespace AuthPortal.Infrastructure.Hosting;

public static class AuthPortalPipeline
{
    /// <summary>The request pipeline and every endpoint.</summary>
    public static WebApplication UseAuthPortal(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.UseRequestTracing();
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
            app.UseHttpsRedirection();
        }
        app.UseSecurityHeaders();
        app.UseRequestLimits();
        // The UI answers errors with pages (outer handlers); /api answers them as problem details. The /api
        // handlers sit inside, so they see an API error first and write JSON; the page handlers then leave
        // a response that already has a body alone.
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
        }
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseWhen(IsApi, api =>
        {
            // Which status and words an exception gets (a client's mistake, a full disk, a fault): ApiExceptionAnswers.
            api.UseExceptionHandler(ApiExceptionAnswers.HandlerOptions());
            api.UseStatusCodePages();
        });

        app.UseCrossOriginHubGuard();
        app.UseNoApiKeysInUrls();
        app.UseCors();
        app.UseAuthentication();
        app.UseAuthorization();
        // After authorization, so the "api" limit can key on the bearer token's subject.
        app.UseRateLimiter();
        app.UseAntiforgery();

        app.MapStaticAssets();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        app.MapOpenApi();
        app.MapScalarApiReference(options => options.WithTitle("AuthPortal API"));
        app.MapWellKnownApi();
        app.MapApiGroup()
            .MapTokenApi()
            .MapRegistrationApi()
            .MapAccountLinksApi()
            .MapMeApi()
            .MapSessionsApi()
            .MapApiKeysApi()
            .MapUsersApi()
            .MapServiceAccountsApi()
            .MapRolesApi()
            .MapOrgsApi()
            .MapAuditApi();
        app.MapAccountEndpoints();
        app.MapUsersExport();
        app.MapAuditExport();
        app.MapOrgAuditExport();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode().LimitAccountForms();
        return app;
    }

    private static bool IsApi(HttpContext context) => context.Request.Path.StartsWithSegments("/api");

    /// <summary>
    /// Validates configuration, migrates the database, then either stops (<c>migrate</c> command) or
    /// prepares the first run and serves. A configuration error ends the process with exit code 1 and
    /// one message naming the key.
    /// </summary>
    public static async Task<int> RunAuthPortalAsync(this WebApplication app, string[] args)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AuthPortal");
        var (command, words, argument) = CommandLine.Parse(args);
        if (command == CommandLine.Command.Unknown)
        {
            Console.Error.WriteLine($"Unknown command: {words}");
            Console.Error.WriteLine(CommandLine.Usage);
            return 2;
        }
        try
        {
            app.Services.GetRequiredService<IStartupValidator>().Validate();
        }
        catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
        {
            return ConfigurationError(logger, ex);
        }

        if (command == CommandLine.Command.AuditVerify)
        {
            return await VerifyAuditChainAsync(app);
        }
        if (command == CommandLine.Command.Backup)
        {
            return await BackupAsync(app, argument!);
        }
        if (command == CommandLine.Command.Migrate)
        {
            await PortalInitializer.MigrateAsync(app.Services);
            logger.LogInformation("The database is up to date.");
            // Disposing flushes the console logger's queue before the process exits.
            await app.DisposeAsync();
            return 0;
        }

        try
        {
            await PortalInitializer.InitializeAsync(app);
        }
        catch (OptionsValidationException ex)
        {
            return ConfigurationError(logger, ex);
        }
        await app.RunAsync();
        return 0;
    }

    /// <summary><c>audit verify</c>: 0 when the chain is intact, 1 when it is broken (the first broken link is printed).</summary>
    private static async Task<int> VerifyAuditChainAsync(WebApplication app)
    {
        var result = await app.Services.GetRequiredService<AuditLog>().VerifyAsync();
        Console.WriteLine(result.Intact
            ? $"The audit chain is intact: {result.EventsChecked} events checked."
            : $"The audit chain is BROKEN at event {result.BrokenAtId}: {result.Problem} ({result.EventsChecked} events before it verified.)");
        await app.DisposeAsync();
        return result.Intact ? 0 : 1;
    }

    /// <summary><c>backup &lt;file&gt;</c>: 0 when the copy was written and passed the integrity check; 1 otherwise, saying why.</summary>
    private static async Task<int> BackupAsync(WebApplication app, string file)
    {
        BackupResult result;
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            result = await DatabaseBackup.WriteAsync(db, file);
        }
        (result.Succeeded ? Console.Out : Console.Error).WriteLine(result.Message);
        await app.DisposeAsync();
        return result.Succeeded ? 0 : 1;
    }

    private static int ConfigurationError(ILogger logger, Exception ex)
    {
        var message = ex is OptionsValidationException validation ? string.Join(" ", validation.Failures) : ex.Message;
        logger.LogCritical("Configuration error: {Message}", message);
        Console.Error.WriteLine($"Configuration error: {message}");
        return 1;
    }
}
