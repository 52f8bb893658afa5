using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace AuthPortal.Infrastructure.Options;

/// <summary>
/// Validates an options object with its data annotations (recursing into nested option objects)
/// and reports each failure with its full configuration key, e.g. "Lockout:MaxFailedAttempts must be
/// between 1 and 100 (was 0)".
/// </summary>
internal sealed class SectionValidator<TOptions>(string section) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var failures = new List<string>();
        Collect(options, section, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Collect(object instance, string prefix, List<string> failures)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(instance, new ValidationContext(instance), results, validateAllProperties: true);
        foreach (var result in results)
        {
            foreach (var member in result.MemberNames.DefaultIfEmpty(""))
            {
                var value = member.Contains("Password", StringComparison.Ordinal) ? "***" : instance.GetType().GetProperty(member)?.GetValue(instance);
                failures.Add($"{prefix}:{member} {result.ErrorMessage} (was '{value}').");
            }
        }

        foreach (var property in instance.GetType().GetProperties())
        {
            if (property.PropertyType.IsClass && property.PropertyType != typeof(string)
                && property.PropertyType.Namespace == typeof(SectionValidator<>).Namespace
                && property.GetValue(instance) is { } nested)
            {
                Collect(nested, $"{prefix}:{property.Name}", failures);
            }
        }
    }
}

internal static class OptionsRegistration
{
    /// <summary>Binds <paramref name="section"/>, validates it on start and names the failing key.</summary>
    public static IServiceCollection AddValidatedOptions<TOptions>(this IServiceCollection services, string section)
        where TOptions : class
    {
        services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TOptions>>(new SectionValidator<TOptions>(section));
        return services;
    }
}
