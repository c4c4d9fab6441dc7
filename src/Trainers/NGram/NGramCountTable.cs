using System.Runtime.CompilerServices;

namespace ArML.Trainers.NGram;

/// <summary>
/// Counts the distinct n-grams of one order. An n-gram is packed into one 64-bit key: the id of its prefix (the
/// (n−1)-gram without its last word, an entry of the table one order below) in the high half and its last word in
/// the low half, so no n-gram is ever stored as a string or a word array. Entries are numbered densely in order of
/// first appearance; the number is the n-gram's id, used as a prefix by the next order.
/// </summary>
/// <remarks>
/// Open addressing with linear probing over a power-of-two slot array kept at most half full; a slot holds
/// entry id + 1 (0 is empty) and the key lives once, in the entry arrays. About 20 bytes per distinct n-gram.
/// </remarks>
internal sealed class NGramCountTable
{
    private const ulong HashMultiplier = 0x9E3779B97F4A7C15UL;   // 2^64 / golden ratio: spreads consecutive keys
    private ulong[] _keys;
    private int[] _counts;
    private int[] _slots;
    private int _shift;

    public NGramCountTable(int initialCapacity = 1 << 12)
    {
        int slots = (int)Math.Max(16, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, initialCapacity) * 2));
        _slots = new int[slots];
        _shift = 64 - System.Numerics.BitOperations.Log2((uint)slots);
        _keys = new ulong[Math.Max(16, initialCapacity)];
        _counts = new int[_keys.Length];
    }

    /// <summary>Distinct n-grams counted.</summary>
    public int Count { get; private set; }

    /// <summary>Packed keys by entry id (the first <see cref="Count"/> elements are valid).</summary>
    public ulong[] Keys => _keys;

    /// <summary>Occurrence counts by entry id (the first <see cref="Count"/> elements are valid).</summary>
    public int[] Counts => _counts;

    public static ulong Pack(int prefix, int word) => ((ulong)(uint)prefix << 32) | (uint)word;

    public static int PrefixOf(ulong key) => (int)(key >> 32);

    public static int WordOf(ulong key) => (int)(uint)key;

    /// <summary>Adds one occurrence of <paramref name="key"/> and returns its entry id.</summary>
    /// <exception cref="InvalidOperationException">An n-gram occurs more than <see cref="int.MaxValue"/> times, or an order has more distinct n-grams than that.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Increment(ulong key)
    {
        int mask = _slots.Length - 1;
        int slot = (int)((key * HashMultiplier) >> _shift);
        while (true)
        {
            int stored = _slots[slot];
            if (stored == 0) break;
            if (_keys[stored - 1] == key)
            {
                if (_counts[stored - 1] == int.MaxValue)
                    throw new InvalidOperationException("An n-gram occurs more than 2^31 − 1 times; split the training data.");
                _counts[stored - 1]++;
                return stored - 1;
            }
            slot = (slot + 1) & mask;
        }
        if (Count == int.MaxValue - 1)
            throw new InvalidOperationException("An order has more than 2^31 − 2 distinct n-grams; lower the order or prune.");
        int id = Count++;
        if (id == _keys.Length) GrowEntries();
        _keys[id] = key;
        _counts[id] = 1;
        _slots[slot] = id + 1;
        if ((long)Count * 2 > _slots.Length) GrowSlots();
        return id;
    }

    /// <summary>The entry id of <paramref name="key"/>, or −1 when it was never counted.</summary>
    public int Find(ulong key)
    {
        int mask = _slots.Length - 1;
        int slot = (int)((key * HashMultiplier) >> _shift);
        while (true)
        {
            int stored = _slots[slot];
            if (stored == 0) return -1;
            if (_keys[stored - 1] == key) return stored - 1;
            slot = (slot + 1) & mask;
        }
    }

    /// <summary>
    /// Frees the lookup structure; the entries stay readable (the first <see cref="Count"/> of each array) but
    /// <see cref="Find"/> and <see cref="Increment"/> no longer work.
    /// </summary>
    /// <remarks>
    /// The entry arrays keep their capacity rather than being trimmed to <see cref="Count"/>: every order's trimmed
    /// copy would live beside its original until the next collection, and that was the build's peak (order 10 on tiny
    /// Shakespeare: 201 MB with the copies, 186 MB without). They live only until the order is laid out.
    /// </remarks>
    public void ReleaseLookup() => _slots = [];

    /// <summary>Frees the entries too, once the model no longer needs them.</summary>
    public void Release()
    {
        _slots = [];
        _keys = [];
        _counts = [];
    }

    private void GrowEntries()
    {
        long capacity = Math.Min((long)_keys.Length * 2, Array.MaxLength);
        Array.Resize(ref _keys, (int)capacity);
        Array.Resize(ref _counts, (int)capacity);
    }

    private void GrowSlots()
    {
        if (_slots.Length >= 1 << 30)
            throw new InvalidOperationException("An order has too many distinct n-grams for one table; lower the order or prune.");
        _slots = new int[_slots.Length * 2];
        _shift--;
        int mask = _slots.Length - 1;
        for (int id = 0; id < Count; id++)
        {
            int slot = (int)((_keys[id] * HashMultiplier) >> _shift);
            while (_slots[slot] != 0) slot = (slot + 1) & mask;
            _slots[slot] = id + 1;
        }
    }
}
