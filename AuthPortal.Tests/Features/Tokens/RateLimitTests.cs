namespace AuthPortal.Tests.Features.Tokens;

public sealed class RateLimitTests
{
    [Fact]
    public async Task TheTokenEndpointAnswers429WithRetryAfterPastTheLimit()
    {
        using var factory = new PortalFactory(null, PortalSettings.WithAdministrator(DefaultPortal.AdminEmail, ("RateLimits:TokenPerMinute", "3")));
        var client = factory.CreatePortalClient();

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 4; i++)
        {
            answers.Add(await client.PasswordGrantAsync($"someone-{i}@example.com", "wrong password"));
        }

        Assert.All(answers.Take(3), a => Assert.Equal(HttpStatusCode.BadRequest, a.StatusCode));
        var limited = answers[3];
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single()) is > 0 and <= 60);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AForgedXForwardedForDoesNotBuyMoreAttempts()
    {
        using var factory = new PortalFactory(null, PortalSettings.WithAdministrator(DefaultPortal.AdminEmail, ("RateLimits:TokenPerMinute", "2")));
        // The caller is not a configured proxy, so its X-Forwarded-For is ignored: all three count as one client.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            var client = factory.CreatePortalClient();
            client.DefaultRequestHeaders.Add("X-Test-Client-Ip", "198.51.100.7");
            client.DefaultRequestHeaders.Add("X-Forwarded-For", $"203.0.113.{i + 10}");
            statuses.Add((await client.PasswordGrantAsync($"xff-{i}@example.com", "wrong password")).StatusCode);
        }

        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task OneUserNameIsLimitedEvenFromManyAddresses()
    {
        using var factory = new PortalFactory(null, PortalSettings.WithAdministrator(DefaultPortal.AdminEmail, ("RateLimits:TokenPerMinute", "2")));
        // Three addresses (each within its own per-address limit), one user name in two spellings:
        // the per-user-name limiter counts them together.
        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
        {
            var client = factory.CreatePortalClient();
            client.DefaultRequestHeaders.Add("X-Test-Client-Ip", $"203.0.113.{i + 1}");
            answers.Add(await client.PasswordGrantAsync(i % 2 == 0 ? "Target@Example.com" : "target@example.com", "wrong password"));
        }
        Assert.Equal(HttpStatusCode.BadRequest, answers[1].StatusCode);

        Assert.Equal(HttpStatusCode.TooManyRequests, answers[2].StatusCode);
    }

    [Fact]
    public async Task OtherApiCallsAreLimitedPerPrincipal()
    {
        using var factory = new PortalFactory(null, PortalSettings.WithAdministrator(DefaultPortal.AdminEmail, ("RateLimits:ApiPerMinute", "5")));
        var client = factory.CreatePortalClient();
        var token = (await client.GetTokensAsync(DefaultPortal.AdminEmail)).AccessToken;

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            statuses.Add((await client.GetWithTokenAsync("/api/me", token)).StatusCode);
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.OK, 5).Append(HttpStatusCode.TooManyRequests), statuses);
    }
}

/// <summary>The account forms share the token endpoint's per-address budget, and mail to one address is capped.</summary>
public sealed class AccountFormLimitTests
{
    private static HttpClient ClientFrom(PortalFactory portal, string address)
    {
        var client = portal.CreatePortalClient();
        client.DefaultRequestHeaders.Add("X-Test-Client-Ip", address);
        return client;
    }

    [Fact]
    public async Task TheFormsAndTheTokenEndpointDrawOnOneBudgetPerAddressAndSayHowLongToWait()
    {
        using var portal = new PortalFactory(null, PortalSettings.WithAdministrator(DefaultPortal.AdminEmail, ("RateLimits:TokenPerMinute", "4")));
        var client = ClientFrom(portal, "198.51.100.20");

        var answers = new List<HttpResponseMessage>
        {
            await client.PasswordGrantAsync("spray-1@example.com", "wrong password"),
            await client.SignInAsync("spray-2@example.com", "wrong password"),
            await client.SubmitAsync("/Account/ForgotPassword", "forgot-password", new Dictionary<string, string> { ["Input.Email"] = "spray-3@example.com" }),
            await client.SubmitAsync("/Account/ResendEmailConfirmation", "resend-confirmation", new Dictionary<string, string> { ["Input.Email"] = "spray-4@example.com" }),
            await client.SignInAsync("spray-5@example.com", "wrong password"),
        };

        Assert.All(answers.Take(4), a => Assert.NotEqual(HttpStatusCode.TooManyRequests, a.StatusCode));
        var limited = answers[4];
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("text/html", limited.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Too many attempts came from your network", await limited.TextAsync());
        // Reading a form is free, and another address has its own budget.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/Account/Login")).StatusCode);
        Assert.NotEqual(HttpStatusCode.TooManyRequests, (await ClientFrom(portal, "198.51.100.21").SignInAsync("spray-6@example.com", "wrong password")).StatusCode);
    }

    [Fact]
    public async Task OneInboxGetsAtMostThreeMailsFromTheFormsWhoeverAsks()
    {
        using var portal = new PortalFactory(null, PortalSettings.WithAdministrator(DefaultPortal.AdminEmail));
        await portal.CreateUserAsync("flooded@example.com");

        var answers = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var response = await ClientFrom(portal, $"203.0.113.{i + 1}").SubmitAsync("/Account/ForgotPassword", "forgot-password",
                new Dictionary<string, string> { ["Input.Email"] = "flooded@example.com" });
            answers.Add(await response.TextAsync());
        }

        Assert.Equal(3, portal.Mailbox.To("flooded@example.com").Count);
        Assert.Single(answers.Distinct()); // every asker saw the same page
    }
}
