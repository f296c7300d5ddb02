/* The index build's per-entry loops in C: optional, compiled by `make venv` (scripts/speedups.sh).
 *
 * Each function computes exactly what a Python function of the project computes, which stays
 * the reference (and runs wherever this module is not built): tests compare the two on the seed
 * documents and generated text, and the modules that call these name their Python twin.
 *
 *   binary_row(...)                       search.vectors.entry_line, in COPY's binary format
 *   fold(text, table)                     text.translate(table) in search.normalize.normalize
 *   merge_ascii(tokens)                   search.segment._merge_ascii
 *   lay_out(tokens, info, miss, positions, labels, offset, cap, max_chars, units)
 *                                         search.vectors._add_section over segment.lexeme_slots
 *   list_keys(positions, tracked, wordings, own, topic, keys, floors, numbers, low, prune_at)
 *                                         the loop of search.impacts.TopLists.add_entry
 *
 * Floating point: the score is computed in the same order of operations as the Python code and
 * compiled with -ffp-contract=off, so the keys are bit for bit the same.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>

/* ---- the character fold ---------------------------------------------------------------- */

/* Each BMP character's fold once known (0: not asked yet); the rest are asked every time. */
static Py_UCS4 fold_cache[0x10000];

static PyObject *
fold(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "fold() takes (text, table)");
        return NULL;
    }
    PyObject *text = args[0], *table = args[1];
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_UCS4 *folded = PyMem_Malloc(sizeof(Py_UCS4) * (n + 1));
    if (folded == NULL)
        return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i), to = ch < 0x10000 ? fold_cache[ch] : 0;
        if (to == 0) {
            /* The table (search.normalize._FoldTable) computes and keeps a character's fold. */
            PyObject *code = PyLong_FromUnsignedLong(ch), *one = NULL;
            if (code != NULL)
                one = PyObject_GetItem(table, code);
            Py_XDECREF(code);
            if (one == NULL || !PyUnicode_Check(one) || PyUnicode_GET_LENGTH(one) != 1) {
                if (one != NULL)
                    PyErr_SetString(PyExc_ValueError, "fold(): a character folds to one character");
                Py_XDECREF(one);
                PyMem_Free(folded);
                return NULL;
            }
            to = PyUnicode_READ_CHAR(one, 0);
            Py_DECREF(one);
            if (ch < 0x10000 && to != 0)
                fold_cache[ch] = to;
        }
        folded[i] = to;
    }
    PyObject *out = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, folded, n);
    PyMem_Free(folded);
    return out;
}

/* ---- gluing ASCII pieces ------------------------------------------------------------- */

/* A piece the segmenter cuts out of a Latin run: what ^[a-z0-9.%+#&_\-]+$ matches (re's $ also
 * before one final newline). */
static inline int
ascii_piece_char(Py_UCS4 ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '%' ||
           ch == '+' || ch == '#' || ch == '&' || ch == '_' || ch == '-';
}

static int
is_ascii_piece(PyObject *word)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(word);
    if (PyUnicode_MAX_CHAR_VALUE(word) > 127 || n == 0)
        return 0;
    const Py_UCS1 *data = PyUnicode_1BYTE_DATA(word);
    if (n > 1 && data[n - 1] == '\n')
        n--;
    for (Py_ssize_t i = 0; i < n; i++)
        if (!ascii_piece_char(data[i]))
            return 0;
    return 1;
}

static inline int
strip_char(Py_UCS1 ch)
{
    return ch == '.' || ch == '-' || ch == '+' || ch == '&' || ch == '_' || ch == '#';
}

static PyObject *
token(PyObject *word, Py_ssize_t start, Py_ssize_t end)
{
    return Py_BuildValue("(Onn)", word, start, end);
}

static PyObject *
merge_ascii(PyObject *module, PyObject *tokens)
{
    PyObject *seq = PySequence_Fast(tokens, "merge_ascii() needs a sequence of tokens");
    if (seq == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject *merged = PyList_New(0);
    char *flags = PyMem_Malloc(n + 1);
    if (merged == NULL || flags == NULL) {
        Py_XDECREF(merged);
        PyMem_Free(flags);
        Py_DECREF(seq);
        return flags == NULL ? PyErr_NoMemory() : NULL;
    }
    int previous_ascii = 0;
    Py_ssize_t count = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 3 ||
            !PyUnicode_Check(PyTuple_GET_ITEM(item, 0))) {
            PyErr_SetString(PyExc_TypeError, "merge_ascii(): a token is (word, start, end)");
            goto error;
        }
        PyObject *word = PyTuple_GET_ITEM(item, 0);
        int is_ascii = is_ascii_piece(word);
        if (is_ascii && previous_ascii) {
            PyObject *last = PyList_GET_ITEM(merged, count - 1);
            int touching = PyObject_RichCompareBool(PyTuple_GET_ITEM(last, 2),
                                                    PyTuple_GET_ITEM(item, 1), Py_EQ);
            if (touching < 0)
                goto error;
            if (touching) {
                PyObject *both = PyUnicode_Concat(PyTuple_GET_ITEM(last, 0), word);
                if (both == NULL)
                    goto error;
                PyObject *glued = PyTuple_Pack(3, both, PyTuple_GET_ITEM(last, 1),
                                               PyTuple_GET_ITEM(item, 2));
                Py_DECREF(both);
                if (glued == NULL || PyList_SetItem(merged, count - 1, glued) < 0)
                    goto error;
                previous_ascii = 1;
                continue;
            }
        }
        if (PyList_Append(merged, item) < 0)
            goto error;
        flags[count++] = (char)is_ascii;
        previous_ascii = is_ascii;
    }
    /* Strip the joining punctuation a Latin piece begins or ends with (.5g. → 5g). */
    for (Py_ssize_t i = 0; i < count; i++) {
        if (!flags[i])
            continue;
        PyObject *item = PyList_GET_ITEM(merged, i), *word = PyTuple_GET_ITEM(item, 0);
        Py_ssize_t length = PyUnicode_GET_LENGTH(word), head = 0, tail = length;
        if (length <= 1 || PyUnicode_MAX_CHAR_VALUE(word) > 127)
            continue;
        const Py_UCS1 *data = PyUnicode_1BYTE_DATA(word);
        while (head < tail && strip_char(data[head]))
            head++;
        while (tail > head && strip_char(data[tail - 1]))
            tail--;
        if (head == tail || (head == 0 && tail == length))
            continue;
        Py_ssize_t start = PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 1));
        if (start == -1 && PyErr_Occurred())
            goto error;
        PyObject *stripped = PyUnicode_Substring(word, head, tail);
        if (stripped == NULL)
            goto error;
        PyObject *replaced = token(stripped, start + head, start + tail);
        Py_DECREF(stripped);
        if (replaced == NULL || PyList_SetItem(merged, i, replaced) < 0)
            goto error;
    }
    PyMem_Free(flags);
    Py_DECREF(seq);
    return merged;
error:
    PyMem_Free(flags);
    Py_DECREF(merged);
    Py_DECREF(seq);
    return NULL;
}

/* ---- grams ---------------------------------------------------------------------------- */

/* A character the grams hold: what the regex (?:[^\W_]|%) matches (str.isalnum() or %). */
static inline int
held(Py_UCS4 ch)
{
    return ch == '%' || Py_UNICODE_ISALNUM(ch);
}

/* Sorting in place with the comparison inlined: the C library's qsort (a merge sort calling a
 * function per comparison and copying through a buffer) was half of binary_row's time.
 * Quicksort, median of three, insertion sort below 16 elements; SORT_LESS(a, b) orders. */
#define DEFINE_SORT(name, type)                                                              \
    static void name(type *items, Py_ssize_t n)                                              \
    {                                                                                        \
        while (n > 16) {                                                                     \
            type *mid = items + n / 2, *last = items + n - 1, pivot, swap;                   \
            if (SORT_LESS(*mid, *items)) {                                                   \
                swap = *mid; *mid = *items; *items = swap;                                   \
            }                                                                                \
            if (SORT_LESS(*last, *mid)) {                                                    \
                swap = *last; *last = *mid; *mid = swap;                                     \
                if (SORT_LESS(*mid, *items)) {                                               \
                    swap = *mid; *mid = *items; *items = swap;                               \
                }                                                                            \
            }                                                                                \
            pivot = *mid;                                                                    \
            Py_ssize_t i = 0, j = n - 1;                                                     \
            for (;;) {                                                                       \
                while (SORT_LESS(items[i], pivot))                                           \
                    i++;                                                                     \
                while (SORT_LESS(pivot, items[j]))                                           \
                    j--;                                                                     \
                if (i >= j)                                                                  \
                    break;                                                                   \
                swap = items[i]; items[i] = items[j]; items[j] = swap;                       \
                i++;                                                                         \
                j--;                                                                         \
            }                                                                                \
            /* The smaller side by recursion, the larger by the loop: depth O(log n). */     \
            if (j + 1 < n - j - 1) {                                                         \
                name(items, j + 1);                                                          \
                items += j + 1;                                                              \
                n -= j + 1;                                                                  \
            }                                                                                \
            else {                                                                           \
                name(items + j + 1, n - j - 1);                                              \
                n = j + 1;                                                                   \
            }                                                                                \
        }                                                                                    \
        for (Py_ssize_t i = 1; i < n; i++) {                                                 \
            type item = items[i];                                                            \
            Py_ssize_t k = i;                                                                \
            for (; k > 0 && SORT_LESS(item, items[k - 1]); k--)                              \
                items[k] = items[k - 1];                                                     \
            items[k] = item;                                                                 \
        }                                                                                    \
    }

#define SORT_LESS(a, b) ((a) < (b))
DEFINE_SORT(sort_u64, uint64_t)
#undef SORT_LESS

/* The grams of a text, sorted and unique, as (first << 32 | second) — second 0 for a run's last
 * character alone: sorting the integers sorts the strings in code point order ("a" < "ab" <
 * "b"), which is UTF-8's byte order; no held character is U+0000. PyMem_Free the result. */
static uint64_t *
gram_codes(PyObject *text, Py_ssize_t *unique)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    uint64_t *grams = PyMem_Malloc(sizeof(uint64_t) * (n + 1));
    if (grams == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    Py_ssize_t count = 0;
    Py_UCS4 previous = 0; /* the held character before, 0 when the run broke */
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (ch == ' ')
            continue; /* spaces are skipped: "1 万" is the run "1万" */
        if (held(ch)) {
            if (previous)
                grams[count++] = ((uint64_t)previous << 32) | ch;
            previous = ch;
        }
        else {
            if (previous)
                grams[count++] = (uint64_t)previous << 32;
            previous = 0;
        }
    }
    if (previous)
        grams[count++] = (uint64_t)previous << 32;
    sort_u64(grams, count);
    *unique = 0;
    for (Py_ssize_t i = 0; i < count; i++)
        if (!*unique || grams[*unique - 1] != grams[i])
            grams[(*unique)++] = grams[i];
    return grams;
}

/* ---- laying a section's lexemes out ---------------------------------------------------- */

/* Append ``label`` to positions[lexeme] (a new list when absent), unless it holds ``cap``. */
static int
add_label(PyObject *positions, PyObject *lexeme, PyObject *label, Py_ssize_t cap)
{
    PyObject *bucket = PyDict_GetItemWithError(positions, lexeme);
    if (bucket == NULL) {
        if (PyErr_Occurred())
            return -1;
        PyObject *fresh = PyList_New(1);
        if (fresh == NULL)
            return -1;
        Py_INCREF(label);
        PyList_SET_ITEM(fresh, 0, label);
        int failed = PyDict_SetItem(positions, lexeme, fresh);
        Py_DECREF(fresh);
        return failed;
    }
    if (PyList_GET_SIZE(bucket) < cap)
        return PyList_Append(bucket, label);
    return 0;
}

/* A slot waiting for the next word (which may join it: 3 + 万亿元 → 3万亿元). */
typedef struct {
    Py_ssize_t position;
    PyObject *word;     /* owned (a miss may clear the word info that held it) */
    PyObject *variants; /* owned tuple */
    PyObject *joined;   /* owned, or NULL */
    PyObject *unit;     /* owned: a date unit added as a variant, or NULL */
} Pending;

static int
flush(Pending *slot, PyObject *positions, PyObject *labels, Py_ssize_t offset, Py_ssize_t cap)
{
    if (slot->word == NULL)
        return 0;
    Py_ssize_t at = offset + slot->position, top = PyList_GET_SIZE(labels) - 1;
    PyObject *label = PyList_GET_ITEM(labels, at < top ? at : top);
    int failed = add_label(positions, slot->word, label, cap);
    Py_ssize_t m = PyTuple_GET_SIZE(slot->variants);
    for (Py_ssize_t i = 0; !failed && i < m; i++)
        failed = add_label(positions, PyTuple_GET_ITEM(slot->variants, i), label, cap);
    if (!failed && slot->unit != NULL)
        failed = add_label(positions, slot->unit, label, cap);
    if (!failed && slot->joined != NULL)
        failed = add_label(positions, slot->joined, label, cap);
    Py_CLEAR(slot->joined);
    Py_CLEAR(slot->unit);
    Py_CLEAR(slot->word);
    Py_CLEAR(slot->variants);
    return failed;
}

static PyObject *
lay_out(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 9) {
        PyErr_SetString(PyExc_TypeError, "lay_out() takes 9 arguments");
        return NULL;
    }
    PyObject *tokens = args[0], *info = args[1], *miss = args[2], *positions = args[3],
             *labels = args[4], *units = args[8];
    Py_ssize_t offset = PyLong_AsSsize_t(args[5]), cap = PyLong_AsSsize_t(args[6]),
               max_chars = PyLong_AsSsize_t(args[7]);
    if (PyErr_Occurred())
        return NULL;
    if (!PyList_Check(tokens) || !PyDict_Check(info) || !PyDict_Check(positions) ||
        !PyList_Check(labels) || PyList_GET_SIZE(labels) == 0 || !PyUnicode_Check(units)) {
        PyErr_SetString(PyExc_TypeError, "lay_out(): bad argument types");
        return NULL;
    }
    Pending pending = {0, NULL, NULL, NULL, NULL};
    PyObject *found = NULL, *unit = NULL; /* owned while one token is handled */
    Py_ssize_t position = 0, last = 0, previous_end = -1;
    int previous_is_number = 0;
    Py_ssize_t n = PyList_GET_SIZE(tokens);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *token = PyList_GET_ITEM(tokens, i);
        if (!PyTuple_Check(token) || PyTuple_GET_SIZE(token) != 3) {
            PyErr_SetString(PyExc_TypeError, "lay_out(): a token is (word, start, end)");
            goto error;
        }
        position++;
        PyObject *text = PyTuple_GET_ITEM(token, 0);
        found = PyDict_GetItemWithError(info, text);
        if (found != NULL)
            Py_INCREF(found);
        else if (PyErr_Occurred() || (found = PyObject_CallOneArg(miss, text)) == NULL)
            goto error;
        if (found == Py_None) {
            Py_CLEAR(found);
            previous_is_number = 0;
            continue;
        }
        if (!PyTuple_Check(found) || PyTuple_GET_SIZE(found) != 4) {
            PyErr_SetString(PyExc_TypeError, "lay_out(): word info is (lexeme, variants, bool, bool)");
            goto error;
        }
        PyObject *word = PyTuple_GET_ITEM(found, 0), *variants = PyTuple_GET_ITEM(found, 1);
        int is_number = PyTuple_GET_ITEM(found, 2) == Py_True;
        int starts_cjk = PyTuple_GET_ITEM(found, 3) == Py_True;
        Py_ssize_t start = PyLong_AsSsize_t(PyTuple_GET_ITEM(token, 1));
        Py_ssize_t end = PyLong_AsSsize_t(PyTuple_GET_ITEM(token, 2));
        if (PyErr_Occurred())
            goto error;
        /* A number followed directly by a word: the two joined are a variant of the number. */
        if (previous_is_number && starts_cjk && previous_end == start && pending.word != NULL) {
            PyObject *both = PyUnicode_Concat(pending.word, word);
            if (both != NULL && PyUnicode_GET_LENGTH(both) > max_chars)
                Py_SETREF(both, PyUnicode_Substring(both, 0, max_chars));
            if (both == NULL)
                goto error;
            pending.joined = both;
            /* A date's unit that begins the word (2027年底) is a variant of the word. */
            if (PyUnicode_GET_LENGTH(word) > 1 &&
                PyUnicode_FindChar(units, PyUnicode_READ_CHAR(word, 0), 0,
                                   PyUnicode_GET_LENGTH(units), 1) >= 0) {
                if ((unit = PyUnicode_Substring(word, 0, 1)) == NULL)
                    goto error;
                Py_ssize_t m = PyTuple_GET_SIZE(variants);
                for (Py_ssize_t j = 0; j < m && unit != NULL; j++) {
                    int same = PyUnicode_Compare(PyTuple_GET_ITEM(variants, j), unit);
                    if (same == -1 && PyErr_Occurred())
                        goto error;
                    if (same == 0)
                        Py_CLEAR(unit);
                }
            }
        }
        if (flush(&pending, positions, labels, offset, cap) < 0)
            goto error;
        Py_INCREF(word);
        Py_INCREF(variants);
        pending.position = position;
        pending.word = word;
        pending.variants = variants;
        pending.unit = unit;
        unit = NULL;
        Py_CLEAR(found);
        last = position;
        previous_is_number = is_number;
        previous_end = end;
    }
    if (flush(&pending, positions, labels, offset, cap) < 0)
        goto error;
    return PyLong_FromSsize_t(last);
error:
    Py_CLEAR(found);
    Py_CLEAR(unit);
    Py_CLEAR(pending.joined);
    Py_CLEAR(pending.unit);
    Py_CLEAR(pending.word);
    Py_CLEAR(pending.variants);
    return NULL;
}

/* ---- champion list keys ---------------------------------------------------------------- */

typedef struct {
    double norm, weight_a, weight_b, unmarked, cover, exact, exact_tf, in_heading, opening,
        synonym, scale;
} Numbers;

static double
verbatim(const Numbers *k, Py_ssize_t n, int in_topic, int opens)
{
    double count = (double)n;
    return k->exact_tf * count / (count + k->norm) + (n ? k->exact : 0.0) +
           (in_topic ? k->in_heading : 0.0) + (opens ? k->opening : 0.0);
}

/* search.impacts._found: (occurrences of the wordings, one in the topic, the text opens with
 * one); -1 on error. */
static int
found(PyObject *wordings, PyObject *own, PyObject *topic, Py_ssize_t *n, int *in_topic, int *opens)
{
    Py_ssize_t m = PyTuple_GET_SIZE(wordings), length = PyUnicode_GET_LENGTH(own);
    *n = 0;
    *in_topic = *opens = 0;
    for (Py_ssize_t i = 0; i < m; i++) {
        PyObject *w = PyTuple_GET_ITEM(wordings, i);
        Py_ssize_t c = PyUnicode_Count(own, w, 0, PY_SSIZE_T_MAX);
        if (c < 0)
            return -1;
        *n += c;
    }
    for (Py_ssize_t i = 0; i < m && !*in_topic; i++) {
        int r = PyUnicode_Contains(topic, PyTuple_GET_ITEM(wordings, i));
        if (r < 0)
            return -1;
        *in_topic = r;
    }
    for (Py_ssize_t i = 0; i < m && !*opens; i++) {
        Py_ssize_t r = PyUnicode_Tailmatch(own, PyTuple_GET_ITEM(wordings, i), 0, length, -1);
        if (r < 0)
            return -1;
        *opens = (int)r;
    }
    return 0;
}

#define ID_BITS 40

static PyObject *
list_keys(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 10) {
        PyErr_SetString(PyExc_TypeError, "list_keys() takes 10 arguments");
        return NULL;
    }
    PyObject *positions = args[0], *tracked = args[1], *wordings = args[2], *own = args[3],
             *topic = args[4], *keys = args[5], *floors = args[6], *numbers = args[7];
    long long low = PyLong_AsLongLong(args[8]);
    Py_ssize_t prune_at = PyLong_AsSsize_t(args[9]);
    if (PyErr_Occurred())
        return NULL;
    if (!PyDict_Check(positions) || !PyAnySet_Check(tracked) || !PyDict_Check(wordings) ||
        !PyUnicode_Check(own) || !PyUnicode_Check(topic) || !PyDict_Check(keys) ||
        !PyDict_Check(floors) || !PyTuple_Check(numbers) || PyTuple_GET_SIZE(numbers) != 11) {
        PyErr_SetString(PyExc_TypeError, "list_keys(): bad argument types");
        return NULL;
    }
    Numbers k;
    double *fields[] = {&k.norm,  &k.weight_a, &k.weight_b,   &k.unmarked, &k.cover, &k.exact,
                        &k.exact_tf, &k.in_heading, &k.opening, &k.synonym, &k.scale};
    for (int i = 0; i < 11; i++) {
        *fields[i] = PyFloat_AsDouble(PyTuple_GET_ITEM(numbers, i));
        if (*fields[i] == -1.0 && PyErr_Occurred())
            return NULL;
    }
    /* ts_rank_cd's length normalization: log(1 + the vector's positions). */
    Py_ssize_t total = 0, pos = 0;
    PyObject *word, *labels;
    while (PyDict_Next(positions, &pos, &word, &labels))
        total += PyList_GET_SIZE(labels);
    double log_length = log((double)(total + 1));
    PyObject *full = PyList_New(0); /* words whose list reached prune_at */
    if (full == NULL)
        return NULL;
    Py_ssize_t length = PyUnicode_GET_LENGTH(own);
    pos = 0;
    while (PyDict_Next(positions, &pos, &word, &labels)) {
        int is_tracked = PySet_Contains(tracked, word);
        if (is_tracked < 0)
            goto error;
        if (!is_tracked)
            continue;
        Py_ssize_t m = PyList_GET_SIZE(labels);
        double density;
        if (m == 1) {
            PyObject *label = PyList_GET_ITEM(labels, 0);
            Py_UCS4 mark = PyUnicode_READ_CHAR(label, PyUnicode_GET_LENGTH(label) - 1);
            double weight = mark == 'A' ? k.weight_a : mark == 'B' ? k.weight_b : k.unmarked;
            density = weight / log_length;
        }
        else {
            Py_ssize_t heading = 0, path = 0;
            for (Py_ssize_t j = 0; j < m; j++) {
                PyObject *label = PyList_GET_ITEM(labels, j);
                Py_UCS4 mark = PyUnicode_READ_CHAR(label, PyUnicode_GET_LENGTH(label) - 1);
                heading += mark == 'A';
                path += mark == 'B';
            }
            density = ((double)heading * k.weight_a + (double)path * k.weight_b +
                       (double)(m - heading - path) * k.unmarked) /
                      log_length;
        }
        double score;
        PyObject *other = PyDict_GetItemWithError(wordings, word);
        if (other == NULL) {
            if (PyErr_Occurred())
                goto error;
            Py_ssize_t n = PyUnicode_Count(own, word, 0, PY_SSIZE_T_MAX);
            int in_topic = PyUnicode_Contains(topic, word);
            Py_ssize_t opens = PyUnicode_Tailmatch(own, word, 0, length, -1);
            if (n < 0 || in_topic < 0 || opens < 0)
                goto error;
            score = verbatim(&k, n, in_topic, (int)opens);
        }
        else {
            Py_ssize_t n;
            int in_topic, opens;
            if (!PyTuple_Check(other) || PyTuple_GET_SIZE(other) != 2) {
                PyErr_SetString(PyExc_TypeError, "list_keys(): wordings are (verbatim, synonyms)");
                goto error;
            }
            if (found(PyTuple_GET_ITEM(other, 0), own, topic, &n, &in_topic, &opens) < 0)
                goto error;
            score = verbatim(&k, n, in_topic, opens);
            if (PyTuple_GET_SIZE(PyTuple_GET_ITEM(other, 1))) {
                if (found(PyTuple_GET_ITEM(other, 1), own, topic, &n, &in_topic, &opens) < 0)
                    goto error;
                score += k.synonym * verbatim(&k, n, in_topic, opens);
            }
        }
        score += k.cover * density / (density + 1);
        /* int(score * scale + 0.5): truncation, as Python's int() of a float. */
        double scaled = score * k.scale + 0.5;
        if (!(scaled >= 0.0 && scaled < (double)(1LL << (63 - ID_BITS)))) {
            PyErr_SetString(PyExc_OverflowError, "list_keys(): a score does not fit its key");
            goto error;
        }
        long long key = ((long long)scaled << ID_BITS) | low;
        PyObject *held = PyDict_GetItemWithError(keys, word);
        if (held != NULL) {
            /* Below the pruned list's last kept key: never kept (TopLists._floors). */
            PyObject *floor = PyDict_GetItemWithError(floors, word);
            if (floor == NULL && PyErr_Occurred())
                goto error;
            if (floor != NULL) {
                long long least = PyLong_AsLongLong(floor);
                if (least == -1 && PyErr_Occurred())
                    goto error;
                if (key <= least)
                    continue;
            }
        }
        else if (PyErr_Occurred())
            goto error;
        PyObject *value = PyLong_FromLongLong(key);
        if (value == NULL)
            goto error;
        int failed;
        if (held == NULL) {
            PyObject *fresh = PyList_New(1);
            if (fresh == NULL) {
                Py_DECREF(value);
                goto error;
            }
            PyList_SET_ITEM(fresh, 0, value);
            failed = PyDict_SetItem(keys, word, fresh);
            Py_DECREF(fresh);
        }
        else {
            failed = PyList_Append(held, value);
            Py_DECREF(value);
            if (!failed && PyList_GET_SIZE(held) >= prune_at)
                failed = PyList_Append(full, word);
        }
        if (failed)
            goto error;
    }
    return full;
error:
    Py_DECREF(full);
    return NULL;
}

/* ---- an entry as a row of COPY's binary format ------------------------------------------ */

typedef struct {
    char *data;
    Py_ssize_t length, size;
} Buffer;

static int
reserve(Buffer *b, Py_ssize_t more)
{
    if (b->length + more <= b->size)
        return 0;
    Py_ssize_t size = b->size ? b->size : 4096;
    while (size < b->length + more)
        size *= 2;
    char *grown = PyMem_Realloc(b->data, size);
    if (grown == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->data = grown;
    b->size = size;
    return 0;
}

static int
put(Buffer *b, const void *bytes, Py_ssize_t n)
{
    if (reserve(b, n) < 0)
        return -1;
    memcpy(b->data + b->length, bytes, n);
    b->length += n;
    return 0;
}

static int
put_u16(Buffer *b, uint16_t v)
{
    unsigned char bytes[2] = {(unsigned char)(v >> 8), (unsigned char)v};
    return put(b, bytes, 2);
}

static int
put_u32(Buffer *b, uint32_t v)
{
    unsigned char bytes[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                              (unsigned char)(v >> 8), (unsigned char)v};
    return put(b, bytes, 4);
}

static int
put_u64(Buffer *b, uint64_t v)
{
    return put_u32(b, (uint32_t)(v >> 32)) < 0 ? -1 : put_u32(b, (uint32_t)v);
}

/* Where a field's length goes: written once the field is. */
static Py_ssize_t
open_field(Buffer *b)
{
    Py_ssize_t at = b->length;
    return put_u32(b, 0) < 0 ? -1 : at;
}

static void
close_field(Buffer *b, Py_ssize_t at)
{
    uint32_t n = (uint32_t)(b->length - at - 4);
    unsigned char *p = (unsigned char *)b->data + at;
    p[0] = (unsigned char)(n >> 24);
    p[1] = (unsigned char)(n >> 16);
    p[2] = (unsigned char)(n >> 8);
    p[3] = (unsigned char)n;
}

static Py_ssize_t utf8_encode(Py_UCS4 ch, char *out);

/* ``text`` in UTF-8, encoded here: PyUnicode_AsUTF8AndSize keeps a copy on each string, and
 * the lexemes and texts of an entry are fresh strings read once. */
static int
put_utf8(Buffer *b, PyObject *text)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (PyUnicode_IS_ASCII(text))
        return put(b, PyUnicode_DATA(text), n);
    if (reserve(b, 4 * n) < 0)
        return -1;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    char *out = b->data + b->length;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (Py_UNICODE_IS_SURROGATE(ch)) {
            /* Not UTF-8: the codec's own error. */
            Py_ssize_t ignored;
            if (PyUnicode_AsUTF8AndSize(text, &ignored) != NULL || !PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "binary_row(): a lone surrogate");
            return -1;
        }
        out += utf8_encode(ch, out);
    }
    b->length = out - b->data;
    return 0;
}

/* A text (or varchar) field. */
static int
text_field(Buffer *b, PyObject *text)
{
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "binary_row(): a text field must be a str");
        return -1;
    }
    Py_ssize_t at = open_field(b);
    if (at < 0 || put_utf8(b, text) < 0)
        return -1;
    close_field(b, at);
    return 0;
}

/* An integer field of ``size`` bytes (4 or 8), NULL for None. */
static int
int_field(Buffer *b, PyObject *value, int size)
{
    if (value == Py_None)
        return put_u32(b, 0xffffffffu);
    long long v = PyLong_AsLongLong(value);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (size == 4 && (v < INT32_MIN || v > INT32_MAX)) {
        PyErr_SetString(PyExc_OverflowError, "binary_row(): an integer does not fit int4");
        return -1;
    }
    if (put_u32(b, (uint32_t)size) < 0)
        return -1;
    return size == 4 ? put_u32(b, (uint32_t)(int32_t)v) : put_u64(b, (uint64_t)v);
}

/* A one-dimensional array field of ``element`` (a type oid): int4 or varchar. */
static int
array_field(Buffer *b, PyObject *items, uint32_t element)
{
    PyObject *seq = PySequence_Fast(items, "binary_row(): an array must be a sequence");
    if (seq == NULL)
        return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq), at = open_field(b);
    int failed = at < 0;
    /* dimensions, has-nulls flag, element type; then the dimension's size and lower bound */
    if (!failed)
        failed = put_u32(b, n ? 1 : 0) < 0 || put_u32(b, 0) < 0 || put_u32(b, element) < 0;
    if (!failed && n)
        failed = put_u32(b, (uint32_t)n) < 0 || put_u32(b, 1) < 0;
    for (Py_ssize_t i = 0; !failed && i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
        failed = element == 23 ? int_field(b, item, 4) < 0 : text_field(b, item) < 0;
    }
    Py_DECREF(seq);
    if (failed)
        return -1;
    close_field(b, at);
    return 0;
}

/* The words vector: the position lists of search.vectors (labels "12A", "12B", "12"), read as
 * tsvector's text input reads them (see the loop below) and sent sorted and unique, as its
 * binary input requires. */
typedef struct {
    /* The first 8 bytes of the lexeme's UTF-8, big-endian, zero-padded: compared as integers,
     * they order as the bytes do (no lexeme holds a zero byte), and most lexemes (a Chinese
     * word of two characters is 6 bytes) are told apart by them alone. */
    uint64_t head;
    Py_ssize_t at, length; /* the lexeme's UTF-8 in words_field's scratch buffer */
    PyObject *labels;
} Lexeme;

/* The scratch buffer lexeme_less reads (the GIL is held while words_field runs). */
static const char *lexeme_bytes;

/* Byte order, which for UTF-8 is code point order: tsvector's order (and Python's). */
static inline int
lexeme_less(const Lexeme *x, const Lexeme *y)
{
    if (x->head != y->head)
        return x->head < y->head;
    if (x->length <= 8 || y->length <= 8)
        return x->length < y->length; /* one is a prefix of the other, or they are equal */
    Py_ssize_t n = (x->length < y->length ? x->length : y->length) - 8;
    int c = memcmp(lexeme_bytes + x->at + 8, lexeme_bytes + y->at + 8, n);
    return c ? c < 0 : x->length < y->length;
}

#define SORT_LESS(a, b) lexeme_less(&(a), &(b))
DEFINE_SORT(sort_lexemes, Lexeme)
#undef SORT_LESS

static int
words_field(Buffer *b, PyObject *positions)
{
    /* Each lexeme encoded once, sorted as bytes (sorting the str keys compared code points one
     * by one, and encoding them then kept a UTF-8 copy on every one). */
    Py_ssize_t count = PyDict_GET_SIZE(positions), pos = 0, found = 0;
    Lexeme *lexemes = PyMem_Malloc(sizeof(Lexeme) * (count ? count : 1));
    Buffer scratch = {NULL, 0, 0};
    PyObject *key, *value;
    int failed = lexemes == NULL;
    if (failed)
        PyErr_NoMemory();
    while (!failed && PyDict_Next(positions, &pos, &key, &value)) {
        if (!PyUnicode_Check(key) || !PyList_Check(value) || PyList_GET_SIZE(value) > 255) {
            PyErr_SetString(PyExc_TypeError, "binary_row(): positions map str to <= 255 labels");
            failed = 1;
            break;
        }
        Py_ssize_t start = scratch.length;
        failed = put_utf8(&scratch, key) < 0;
        lexemes[found++] = (Lexeme){0, start, scratch.length - start, value};
    }
    if (!failed) {
        lexeme_bytes = scratch.data;
        for (Py_ssize_t i = 0; i < found; i++) {
            const unsigned char *bytes = (const unsigned char *)scratch.data + lexemes[i].at;
            uint64_t head = 0;
            for (Py_ssize_t k = 0; k < 8; k++)
                head = head << 8 | (k < lexemes[i].length ? bytes[k] : 0);
            lexemes[i].head = head;
        }
        sort_lexemes(lexemes, found);
    }
    Py_ssize_t at = failed ? -1 : open_field(b);
    uint16_t marks[256];
    failed = failed || at < 0 || put_u32(b, (uint32_t)found) < 0;
    for (Py_ssize_t i = 0; !failed && i < found; i++) {
        PyObject *labels = lexemes[i].labels;
        Py_ssize_t m = PyList_GET_SIZE(labels), kept = 0;
        for (Py_ssize_t j = 0; j < m; j++) {
            PyObject *label = PyList_GET_ITEM(labels, j);
            Py_ssize_t length;
            const char *text = PyUnicode_Check(label) ? PyUnicode_AsUTF8AndSize(label, &length)
                                                      : NULL;
            if (text == NULL) {
                if (!PyErr_Occurred())
                    PyErr_SetString(PyExc_TypeError, "binary_row(): a label is a str");
                failed = 1;
                break;
            }
            long position = 0;
            Py_ssize_t k = 0;
            for (; k < length && text[k] >= '0' && text[k] <= '9'; k++)
                position = position < 100000 ? position * 10 + (text[k] - '0') : position;
            int weight = k < length ? (text[k] == 'A' ? 3 : text[k] == 'B' ? 2
                                       : text[k] == 'C' ? 1 : 0) : 0;
            if (position < 1 || k + (k < length) != length) {
                PyErr_Format(PyExc_ValueError, "binary_row(): bad position label %R", label);
                failed = 1;
                break;
            }
            if (position > 0x3fff)
                position = 0x3fff;
            marks[kept++] = (uint16_t)((weight << 14) | position);
        }
        if (failed)
            break;
        /* As tsvector's text input (uniquePos): sorted by position — stably, as its sort
         * leaves the already ordered positions the layout writes —, a repeated position keeps
         * the higher weight, and nothing after the first later position that is the last one
         * (16383) is read. */
        for (Py_ssize_t j = 1; j < kept; j++) {
            uint16_t mark = marks[j];
            Py_ssize_t k = j;
            for (; k > 0 && (marks[k - 1] & 0x3fff) > (mark & 0x3fff); k--)
                marks[k] = marks[k - 1];
            marks[k] = mark;
        }
        Py_ssize_t unique = kept ? 1 : 0;
        for (Py_ssize_t j = 1; j < kept; j++) {
            if ((marks[j] & 0x3fff) != (marks[unique - 1] & 0x3fff)) {
                marks[unique++] = marks[j];
                if (unique - 1 >= 255 || (marks[unique - 1] & 0x3fff) == 0x3fff)
                    break;
            }
            else if ((marks[j] >> 14) > (marks[unique - 1] >> 14))
                marks[unique - 1] = (uint16_t)((marks[j] & 0xc000) | (marks[unique - 1] & 0x3fff));
        }
        failed = put(b, scratch.data + lexemes[i].at, lexemes[i].length) < 0 ||
                 put(b, "", 1) < 0 || put_u16(b, (uint16_t)unique) < 0;
        for (Py_ssize_t j = 0; !failed && j < unique; j++)
            failed = put_u16(b, marks[j]) < 0;
    }
    PyMem_Free(lexemes);
    PyMem_Free(scratch.data);
    if (failed)
        return -1;
    close_field(b, at);
    return 0;
}

static Py_ssize_t
utf8_encode(Py_UCS4 ch, char *out)
{
    if (ch < 0x80) {
        out[0] = (char)ch;
        return 1;
    }
    if (ch < 0x800) {
        out[0] = (char)(0xc0 | (ch >> 6));
        out[1] = (char)(0x80 | (ch & 0x3f));
        return 2;
    }
    if (ch < 0x10000) {
        out[0] = (char)(0xe0 | (ch >> 12));
        out[1] = (char)(0x80 | ((ch >> 6) & 0x3f));
        out[2] = (char)(0x80 | (ch & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (ch >> 18));
    out[1] = (char)(0x80 | ((ch >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((ch >> 6) & 0x3f));
    out[3] = (char)(0x80 | (ch & 0x3f));
    return 4;
}

/* The grams vector of a compact text (grams_vector's lexemes), without positions. */
static int
grams_field(Buffer *b, PyObject *text)
{
    Py_ssize_t count;
    uint64_t *grams = gram_codes(text, &count);
    if (grams == NULL)
        return -1;
    Py_ssize_t at = open_field(b);
    int failed = at < 0 || put_u32(b, (uint32_t)count) < 0;
    for (Py_ssize_t i = 0; !failed && i < count; i++) {
        char bytes[11];
        Py_UCS4 second = (Py_UCS4)(grams[i] & 0xffffffffu);
        Py_ssize_t n = utf8_encode((Py_UCS4)(grams[i] >> 32), bytes);
        if (second)
            n += utf8_encode(second, bytes + n);
        bytes[n++] = '\0';
        bytes[n++] = 0; /* no positions (uint16) */
        bytes[n++] = 0;
        failed = put(b, bytes, n) < 0;
    }
    PyMem_Free(grams);
    if (failed)
        return -1;
    close_field(b, at);
    return 0;
}

static PyObject *
binary_row(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 13) {
        PyErr_SetString(PyExc_TypeError, "binary_row() takes 13 arguments");
        return NULL;
    }
    if (!PyDict_Check(args[3]) || !PyUnicode_Check(args[4])) {
        PyErr_SetString(PyExc_TypeError, "binary_row(): positions must be a dict, own a str");
        return NULL;
    }
    Buffer b = {NULL, 0, 0};
    /* search.vectors.COLUMNS, in order */
    int failed = put_u16(&b, 14) < 0 || int_field(&b, args[0], 8) < 0 ||
                 int_field(&b, args[1], 8) < 0 || int_field(&b, args[2], 4) < 0 ||
                 words_field(&b, args[3]) < 0 || grams_field(&b, args[4]) < 0 ||
                 text_field(&b, args[4]) < 0 || text_field(&b, args[5]) < 0 ||
                 array_field(&b, args[6], 1043) < 0 || array_field(&b, args[7], 23) < 0 ||
                 int_field(&b, args[8], 4) < 0 || text_field(&b, args[9]) < 0 ||
                 text_field(&b, args[10]) < 0 || int_field(&b, args[11], 4) < 0 ||
                 text_field(&b, args[12]) < 0;
    PyObject *out = failed ? NULL : PyBytes_FromStringAndSize(b.data, b.length);
    PyMem_Free(b.data);
    return out;
}

static PyMethodDef methods[] = {
    {"binary_row", (PyCFunction)(void (*)(void))binary_row, METH_FASTCALL,
     "An entry as a row of COPY's binary format (search.vectors.entry_line's twin)."},
    {"fold", (PyCFunction)(void (*)(void))fold, METH_FASTCALL,
     "text.translate(table) for search.normalize's one-character fold, remembered in C."},
    {"merge_ascii", merge_ascii, METH_O, "search.segment._merge_ascii in C."},
    {"lay_out", (PyCFunction)(void (*)(void))lay_out, METH_FASTCALL,
     "search.vectors._add_section over segment.lexeme_slots in C; returns the last position."},
    {"list_keys", (PyCFunction)(void (*)(void))list_keys, METH_FASTCALL,
     "The loop of search.impacts.TopLists.add_entry in C; returns the words to prune."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_speedups", "The index build's per-entry loops in C.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    return PyModule_Create(&module);
}
