using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using AuthPortal.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AuthPortal.Features.SignIn;

public enum TotpCheckResult { Succeeded, Invalid, LockedOut }

/// <summary>
/// The one place an authenticator code is checked: the 2FA page, the token endpoint and enrolment. A code is exactly
/// six ASCII digits (one space or dash in the middle allowed); it is checked against the time steps around now
/// (RFC 6238, SHA-1, 30 s), and accepted only if its step is later than the last step accepted for the account, which
/// is recorded in the database with an atomic update: no code is accepted twice, in any spelling, on any instance,
/// for as long as it would verify (RFC 6238 §5.2). A wrong or replayed code at sign-in counts toward lockout in the
/// database, as passwords do (<see cref="LockoutCounter"/>).
/// </summary>
public sealed partial class TotpVerifier(UserManager<AppUser> userManager, AppDbContext db, LockoutCounter lockout, SignInRecorder recorder, TimeProvider time)
{
    public static readonly TimeSpan TimeStep = TimeSpan.FromSeconds(30);

    /// <summary>Steps accepted either side of now: a code is valid for about 90 s, covering clock drift.</summary>
    public const int AllowedDrift = 1;

    /// <summary>Checks a sign-in code; a failure counts toward lockout and is recorded as <c>signin.failed</c> with <paramref name="method"/>.</summary>
    public async Task<TotpCheckResult> VerifyAsync(AppUser user, string code, string method, CancellationToken cancellationToken = default)
    {
        if (!await lockout.TryBeginAsync(user, cancellationToken))
        {
            await recorder.RecordFailureAsync(user, user.UserName ?? "", "locked_out", method);
            return TotpCheckResult.LockedOut;
        }
        var key = await userManager.GetAuthenticatorKeyAsync(user);
        if (key is not null && await AcceptAsync(user, key, code, cancellationToken))
        {
            await lockout.ReleaseAsync(user, cancellationToken);
            return TotpCheckResult.Succeeded;
        }
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var lockedNow = await lockout.FailAsync(user, cancellationToken);
        await recorder.AppendFailedCheckAsync(db, user, user.UserName ?? "", "bad_totp", method, lockedNow);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TotpCheckResult.Invalid;
    }

    /// <summary>
    /// Enrolment: proves that the app holds <paramref name="key"/> (not yet the account's key in use). The person is
    /// signed in, so a typo does not count toward lockout; the accepted code cannot then sign in again.
    /// </summary>
    public Task<bool> VerifyEnrolmentAsync(AppUser user, string key, string code, CancellationToken cancellationToken = default) =>
        AcceptAsync(user, key, code, cancellationToken);

    private async Task<bool> AcceptAsync(AppUser user, string base32Key, string code, CancellationToken cancellationToken)
    {
        if (SixDigits().Match(code) is not { Success: true } match)
        {
            return false;
        }
        var digits = Encoding.ASCII.GetBytes(match.Groups[1].Value + match.Groups[2].Value);
        var keyBytes = Base32Decode(base32Key);
        var now = time.GetUtcNow().ToUnixTimeSeconds() / (long)TimeStep.TotalSeconds;
        long? matched = null;
        for (var step = now - AllowedDrift; step <= now + AllowedDrift; step++)
        {
            // Every step is computed and compared in full, matched or not.
            if (CryptographicOperations.FixedTimeEquals(digits, Encoding.ASCII.GetBytes(CodeAt(keyBytes, step))))
            {
                matched = step;
            }
        }
        if (matched is not { } accepted)
        {
            return false;
        }
        // One winner per step, whatever the spelling and however many requests race: only a later step moves it.
        var won = await db.Users
            .Where(u => u.Id == user.Id && (u.LastTotpTimeStep == null || u.LastTotpTimeStep < accepted))
            .ExecuteUpdateAsync(set => set.SetProperty(u => u.LastTotpTimeStep, accepted), cancellationToken) == 1;
        if (won && db.Entry(user) is { State: not EntityState.Detached } entry)
        {
            entry.Property(u => u.LastTotpTimeStep).MarkStored(accepted);
        }
        return won;
    }

    private static string CodeAt(byte[] key, long step)
    {
        Span<byte> counter = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(counter, step);
        var hash = HMACSHA1.HashData(key, counter);
        var offset = hash[^1] & 0x0f;
        var binary = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (binary % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static byte[] Base32Decode(string input)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var output = new List<byte>(input.Length * 5 / 8);
        int buffer = 0, bits = 0;
        foreach (var c in input.ToUpperInvariant())
        {
            var value = alphabet.IndexOf(c);
            if (value < 0)
            {
                continue; // spaces and padding
            }
            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                output.Add((byte)(buffer >> (bits - 8)));
                bits -= 8;
            }
        }
        return [.. output];
    }

    // Exactly six ASCII digits, as an app shows them ("123456", "123 456" or "123-456"): no sign, no extra zeros,
    // no surrounding whitespace. (int.Parse, which Identity uses, accepted all of those as the same code.)
    [GeneratedRegex(@"^([0-9]{3})[ \-]?([0-9]{3})$", RegexOptions.CultureInvariant)]
    private static partial Regex SixDigits();
}
