/* A sluice plugin written in C against docs/sluice_plugin.h: the format "digits" reads
 * one non-negative integer per line into an int64 column "n", building the Arrow C stream
 * by hand. Misbehaviours for the host's tests are chosen at compile time:
 *   -DSPEAKS_ABI=N      answer only ABI version N (others: UNSUPPORTED_VERSION)
 *   -DBAD_STRUCT_SIZE   a format whose struct_size is too small
 *   -DNULL_NAME         a format with a null name
 *   -DDUPLICATE_FORMAT  the same format twice
 *   -DFIRST_LAYOUT      a descriptor of the first, formats-only layout (with garbage in the
 *                       later fields, which the host must not read)
 * A parse error names its line through the message's detail prefix. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sluice_plugin.h"

#ifndef SPEAKS_ABI
#define SPEAKS_ABI SLUICE_PLUGIN_ABI_VERSION
#endif

static void release_static_error(struct SluiceError* e) { e->message = NULL; e->release = NULL; }

static int32_t fail(struct SluiceError* e, int32_t status, const char* message) {
  if (e && e->struct_size >= sizeof(struct SluiceError)) {
    e->message = (char*)message; /* static: release only forgets it */
    e->release = release_static_error;
  }
  return status;
}

static void release_owned_error(struct SluiceError* e) {
  free(e->message);
  e->message = NULL;
  e->release = NULL;
}

/* A parse error at a 1-based line, typed by the detail prefix. */
static int32_t fail_at_line(struct SluiceError* e, uint64_t line, const char* message) {
  if (e && e->struct_size >= sizeof(struct SluiceError)) {
    size_t size = strlen(message) + 64;
    char* text = malloc(size);
    if (!text) return fail(e, SLUICE_STATUS_INTERNAL, "out of memory");
    snprintf(text, size, "[sluice {\"kind\":\"parse\",\"line\":%llu}] %s",
             (unsigned long long)line, message);
    e->message = text;
    e->release = release_owned_error;
  }
  return SLUICE_STATUS_PARSE;
}

/* ---- the stream ---- */
struct Digits {
  int64_t* values;
  int64_t len;
  int done;
  const char* error;
};

static void release_schema(struct ArrowSchema* s) {
  if (s->n_children > 0) {
    struct ArrowSchema* child = s->children[0];
    child->release = NULL;
    free(child);
    free(s->children);
  }
  s->release = NULL;
}

static void release_child_schema(struct ArrowSchema* s) { s->release = NULL; }

static int get_schema(struct ArrowArrayStream* stream, struct ArrowSchema* out) {
  (void)stream;
  struct ArrowSchema* child = calloc(1, sizeof(struct ArrowSchema));
  struct ArrowSchema** children = calloc(1, sizeof(struct ArrowSchema*));
  if (!child || !children) { free(child); free(children); return 12; }
  child->format = "l";
  child->name = "n";
  child->flags = 0;
  child->release = release_child_schema;
  children[0] = child;
  memset(out, 0, sizeof(*out));
  out->format = "+s";
  out->name = "";
  out->n_children = 1;
  out->children = children;
  out->release = release_schema;
  return 0;
}

/* One batch: a struct array whose one child owns the values. */
struct Batch {
  struct ArrowArray child;
  struct ArrowArray* children[1];
  const void* struct_buffers[1];
  const void* child_buffers[2];
  int64_t* values;
};

static void release_child_array(struct ArrowArray* a) { a->release = NULL; }

static void release_array(struct ArrowArray* a) {
  struct Batch* b = a->private_data;
  free(b->values);
  free(b);
  a->release = NULL;
}

static int get_next(struct ArrowArrayStream* stream, struct ArrowArray* out) {
  struct Digits* d = stream->private_data;
  memset(out, 0, sizeof(*out));
  if (d->done) return 0; /* released array: the end */
  d->done = 1;
  struct Batch* b = calloc(1, sizeof(struct Batch));
  if (!b) return 12;
  b->values = d->values;
  d->values = NULL;
  b->child.length = d->len;
  b->child.n_buffers = 2;
  b->child_buffers[0] = NULL;
  b->child_buffers[1] = b->values;
  b->child.buffers = b->child_buffers;
  b->child.release = release_child_array;
  b->children[0] = &b->child;
  b->struct_buffers[0] = NULL;
  out->length = d->len;
  out->n_buffers = 1;
  out->buffers = b->struct_buffers;
  out->n_children = 1;
  out->children = b->children;
  out->release = release_array;
  out->private_data = b;
  return 0;
}

static const char* get_last_error(struct ArrowArrayStream* stream) {
  return ((struct Digits*)stream->private_data)->error;
}

static void release_stream(struct ArrowArrayStream* stream) {
  struct Digits* d = stream->private_data;
  free(d->values);
  free(d);
  stream->release = NULL;
}

/* ---- the format ---- */
static int32_t sniff(const struct SluiceFormat* f, const uint8_t* head, size_t len,
                     int32_t complete, const char* name) {
  (void)f; (void)complete; (void)name;
  if (len == 0) return SLUICE_SNIFF_NO;
  for (size_t i = 0; i < len; i++)
    if (!((head[i] >= '0' && head[i] <= '9') || head[i] == '\n')) return SLUICE_SNIFF_NO;
  return SLUICE_SNIFF_MAYBE;
}

static int32_t open_digits(const struct SluiceFormat* f, struct SluiceInput* input_ptr,
                           const char* options_json, struct ArrowArrayStream* out,
                           struct SluiceError* out_error) {
  (void)f; (void)options_json;
  struct SluiceInput input = *input_ptr; /* take ownership */
  input_ptr->release = NULL;
  struct Digits* d = calloc(1, sizeof(struct Digits));
  size_t cap = 16;
  int64_t current = 0;
  int in_number = 0;
  uint64_t line = 1;
  int32_t status = SLUICE_STATUS_OK;
  const char* message = NULL;
  if (d) d->values = malloc(cap * sizeof(int64_t));
  if (!d || !d->values) { status = SLUICE_STATUS_INTERNAL; message = "out of memory"; goto done; }
  for (;;) {
    uint8_t buf[4096];
    size_t n = 0;
    struct SluiceError err;
    memset(&err, 0, sizeof(err));
    err.struct_size = sizeof(err);
    if (input.read(input.ctx, buf, sizeof(buf), &n, &err) != SLUICE_STATUS_OK) {
      if (err.release) err.release(&err);
      status = SLUICE_STATUS_IO; message = "digits: reading the input failed";
      goto done;
    }
    for (size_t i = 0; i < n || (n == 0 && i == 0); i++) {
      if (n == 0 || buf[i] == '\n') {
        if (in_number) {
          if ((size_t)d->len == cap) {
            int64_t* grown = realloc(d->values, 2 * cap * sizeof(int64_t));
            if (!grown) { status = SLUICE_STATUS_INTERNAL; message = "out of memory"; goto done; }
            d->values = grown;
            cap *= 2;
          }
          d->values[d->len++] = current;
        }
        current = 0;
        in_number = 0;
        line++;
      } else if (buf[i] >= '0' && buf[i] <= '9') {
        current = current * 10 + (buf[i] - '0');
        in_number = 1;
      } else {
        status = SLUICE_STATUS_PARSE; message = "digits: a line holds something else than digits";
        goto done;
      }
    }
    if (n == 0) break;
  }
done:
  if (input.release) input.release(input.ctx);
  if (status != SLUICE_STATUS_OK) {
    if (d) free(d->values);
    free(d);
    if (status == SLUICE_STATUS_PARSE) return fail_at_line(out_error, line, message);
    return fail(out_error, status, message);
  }
  out->get_schema = get_schema;
  out->get_next = get_next;
  out->get_last_error = get_last_error;
  out->release = release_stream;
  out->private_data = d;
  return SLUICE_STATUS_OK;
}

static const char* const extensions[] = {"digits", "dg", NULL};

static struct SluiceFormat digits = {
#ifdef BAD_STRUCT_SIZE
    8,
#else
    sizeof(struct SluiceFormat),
#endif
#ifdef NULL_NAME
    NULL,
#else
    "digits",
#endif
    extensions, SLUICE_ACCESS_SEQUENTIAL, 100, sniff, NULL, open_digits, NULL};

#ifdef DUPLICATE_FORMAT
static const struct SluiceFormat* const formats[] = {&digits, &digits};
#else
static const struct SluiceFormat* const formats[] = {&digits};
#endif

#ifdef FIRST_LAYOUT
static const struct SluiceDescriptor descriptor = {
    offsetof(struct SluiceDescriptor, num_codecs), SPEAKS_ABI, "c-digits", "1.2.3",
    sizeof(formats) / sizeof(formats[0]), formats,
    /* past struct_size: never read */
    999, (const struct SluiceCodec* const*)1, 999, (const struct SluiceSource* const*)1};
#else
static const struct SluiceDescriptor descriptor = {
    sizeof(struct SluiceDescriptor), SPEAKS_ABI, "c-digits", "1.2.3",
    sizeof(formats) / sizeof(formats[0]), formats, 0, NULL, 0, NULL};
#endif

int32_t sluice_plugin_init(uint32_t abi_version, const struct SluiceHost* host,
                           const struct SluiceDescriptor** out, struct SluiceError* out_error) {
  (void)host;
  if (abi_version != SPEAKS_ABI)
    return fail(out_error, SLUICE_STATUS_UNSUPPORTED_VERSION, "c-digits speaks another ABI version");
  *out = &descriptor;
  return SLUICE_STATUS_OK;
}
