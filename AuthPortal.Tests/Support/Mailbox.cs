using System.Text.RegularExpressions;
using MimeKit;

namespace AuthPortal.Tests.Support;

/// <summary>Reads the messages the app wrote to its pickup directory.</summary>
public sealed partial class Mailbox(string directory)
{
    public IReadOnlyList<MimeMessage> Messages =>
        Directory.Exists(directory)
            ? Directory.GetFiles(directory, "*.eml").Order().Select(path => MimeMessage.Load(path)).ToList()
            : [];

    public IReadOnlyList<MimeMessage> To(string email) =>
        Messages.Where(m => m.To.Mailboxes.Any(a => string.Equals(a.Address, email, StringComparison.OrdinalIgnoreCase))).ToList();

    /// <summary>The first http(s) link in the text body of the newest message to <paramref name="email"/> with this subject.</summary>
    public string LinkIn(string email, string subjectContains)
    {
        var message = To(email).LastOrDefault(m => (m.Subject ?? "").Contains(subjectContains, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException($"No message to {email} about '{subjectContains}'. Have: {string.Join(", ", Messages.Select(m => m.Subject))}");
        return LinkPattern().Match(message.TextBody ?? "").Value;
    }

    [GeneratedRegex(@"https?://\S+")]
    private static partial Regex LinkPattern();
}
