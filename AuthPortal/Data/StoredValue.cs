using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace AuthPortal.Data;

public static class StoredValue
{
    /// <summary>
    /// After an <c>ExecuteUpdate</c> wrote <paramref name="value"/> straight to the row, brings a tracked copy in step
    /// without making it a pending change, so a later whole-row update (Identity's UpdateAsync) cannot write the old value back.
    /// </summary>
    public static void MarkStored<TEntity, TProperty>(this PropertyEntry<TEntity, TProperty> property, TProperty value)
        where TEntity : class
    {
        property.CurrentValue = value;
        property.OriginalValue = value;
        property.IsModified = false;
    }
}
