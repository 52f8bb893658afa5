namespace AuthPortal.Tests.Infrastructure.Options;

public sealed class SectionValidatorTests
{
    [Fact]
    public void FailuresNameTheFullKeyAndTheValue()
    {
        var result = new SectionValidator<LockoutPolicyOptions>("Lockout").Validate(null, new LockoutPolicyOptions { MaxFailedAttempts = 0 });

        Assert.True(result.Failed);
        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith("Lockout:MaxFailedAttempts must be between 1 and 100", failure);
        Assert.Contains("(was '0')", failure);
    }

    [Fact]
    public void NestedSectionsAreValidatedAndPasswordsAreNeverEchoed()
    {
        var email = new EmailOptions { Smtp = new SmtpOptions { Port = 0 } };
        var bootstrap = new BootstrapOptions { AdminEmail = "bad", AdminPassword = "hunter2hunter2" };

        var emailFailure = Assert.Single(new SectionValidator<EmailOptions>("Email").Validate(null, email).Failures!);
        var bootstrapFailures = new SectionValidator<BootstrapOptions>("Bootstrap").Validate(null, bootstrap).Failures!;

        Assert.StartsWith("Email:Smtp:Port", emailFailure);
        Assert.Contains(bootstrapFailures, f => f.StartsWith("Bootstrap:AdminEmail", StringComparison.Ordinal));
        Assert.DoesNotContain(bootstrapFailures, f => f.Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public void DefaultsAreValid()
    {
        Assert.True(new SectionValidator<LockoutPolicyOptions>("Lockout").Validate(null, new()).Succeeded);
        Assert.True(new SectionValidator<EmailOptions>("Email").Validate(null, new()).Succeeded);
        Assert.True(new SectionValidator<BootstrapOptions>("Bootstrap").Validate(null, new()).Succeeded);
        Assert.True(new SectionValidator<PasswordPolicyOptions>("Passwords").Validate(null, new()).Succeeded);
    }
}
