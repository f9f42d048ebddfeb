/* sluice_plugin.h: the stable C ABI of sluice plugins, version 1.
 *
 * The same ABI as the Rust crate sluice-plugin-abi; a test keeps the two in sync.
 * Every struct starts with struct_size and only ever grows at the end.
 * See docs/plugins.md for the rules. */
#ifndef SLUICE_PLUGIN_H
#define SLUICE_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The Arrow C data and stream interfaces, as published by Apache Arrow. */
#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE
#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4
struct ArrowSchema {
  const char* format;
  const char* name;
  const char* metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema** children;
  struct ArrowSchema* dictionary;
  void (*release)(struct ArrowSchema*);
  void* private_data;
};
struct ArrowArray {
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void** buffers;
  struct ArrowArray** children;
  struct ArrowArray* dictionary;
  void (*release)(struct ArrowArray*);
  void* private_data;
};
#endif
#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE
struct ArrowArrayStream {
  int (*get_schema)(struct ArrowArrayStream*, struct ArrowSchema* out);
  int (*get_next)(struct ArrowArrayStream*, struct ArrowArray* out);
  const char* (*get_last_error)(struct ArrowArrayStream*);
  void (*release)(struct ArrowArrayStream*);
  void* private_data;
};
#endif

#define SLUICE_PLUGIN_ABI_VERSION 1
#define SLUICE_PLUGIN_ABI_MIN_VERSION 1
#define SLUICE_PLUGIN_INIT_SYMBOL "sluice_plugin_init"

#define SLUICE_STATUS_OK 0
#define SLUICE_STATUS_UNSUPPORTED_VERSION 1
#define SLUICE_STATUS_INVALID_ARGUMENT 2
#define SLUICE_STATUS_IO 3
#define SLUICE_STATUS_PARSE 4
#define SLUICE_STATUS_UNSUPPORTED 5
#define SLUICE_STATUS_NOT_FOUND 6
#define SLUICE_STATUS_PANIC 7
#define SLUICE_STATUS_POISONED 8
#define SLUICE_STATUS_INTERNAL 9

#define SLUICE_SNIFF_NO 0
#define SLUICE_SNIFF_MAYBE 1
#define SLUICE_SNIFF_YES 2

#define SLUICE_ACCESS_SEQUENTIAL 0
#define SLUICE_ACCESS_RANDOM 1

/* An error: the receiver zero-fills it and sets struct_size; on failure the callee sets
 * message (NUL-terminated UTF-8, never empty) and release; the receiver calls release
 * once after reading the message.
 *
 * A message (here or from a stream's get_last_error) may start with a detail prefix,
 * "[sluice {JSON}] ", before the human text: a JSON object with any of "kind" ("parse",
 * "decompress", "format_mismatch", "schema", "unknown_column", "invalid_option",
 * "unsupported", "not_found", "io", "internal"), "line", "record" (1-based), "offset"
 * (0-based byte), "format", "codec", "column", "available" (array of strings). Example:
 *   [sluice {"kind":"parse","line":3}] expected <index>:<value>, found "x" */
struct SluiceError {
  size_t struct_size;
  char* message;
  void (*release)(struct SluiceError* error);
  void* private_data;
};

struct SluiceHost {
  size_t struct_size;
  uint32_t abi_version;
  const char* host_version;
};

/* The host's bytes. open() takes ownership: copy the struct, set the original's release to
 * NULL, and call release(ctx) once when done. */
struct SluiceInput {
  size_t struct_size;
  void* ctx;
  const char* location;
  int32_t (*read)(void* ctx, uint8_t* buf, size_t len, size_t* out_read,
                  struct SluiceError* out_error);
  int32_t (*read_at)(void* ctx, uint64_t offset, uint8_t* buf, size_t len, size_t* out_read,
                     struct SluiceError* out_error);
  int32_t (*size)(void* ctx, uint64_t* out_size);
  void (*release)(void* ctx);
  int32_t (*rewind)(void* ctx, struct SluiceError* out_error);
};

struct SluiceFormat {
  size_t struct_size;
  const char* name;
  const char* const* extensions; /* NULL-terminated */
  uint32_t access;
  int32_t priority;
  int32_t (*sniff)(const struct SluiceFormat* format, const uint8_t* head, size_t len,
                   int32_t complete, const char* name);
  int32_t (*validate_options)(const struct SluiceFormat* format, const char* options_json,
                              struct SluiceError* out_error);
  int32_t (*open)(const struct SluiceFormat* format, struct SluiceInput* input,
                  const char* options_json, struct ArrowArrayStream* out_stream,
                  struct SluiceError* out_error);
  void* private_data;
};

/* decompress() takes ownership of input (the compressed bytes) and writes to out an input
 * whose read() yields the decompressed bytes (read_at NULL, size NULL or unknown, rewind
 * optional),
 * which the host owns and releases. A corrupt or truncated stream fails a read(). */
struct SluiceCodec {
  size_t struct_size;
  const char* name;
  const char* const* extensions; /* NULL-terminated */
  const uint8_t* const* magics;  /* num_magics entries */
  const size_t* magic_lengths;   /* num_magics entries */
  size_t num_magics;
  int32_t priority;
  int32_t (*decompress)(const struct SluiceCodec* codec, struct SluiceInput* input,
                        struct SluiceInput* out, struct SluiceError* out_error);
  void* private_data;
};

/* Called once per object by head() and list(); location is valid only during the call.
 * Returns SLUICE_STATUS_OK to go on; anything else asks the backend to stop. */
typedef int32_t (*SluiceObjectFn)(void* ctx, const char* location, uint64_t size,
                                  int32_t size_known);

/* options_json is a JSON object of string values, credentials among them: never echo them. */
struct SluiceSource {
  size_t struct_size;
  const char* name;
  const char* const* schemes; /* NULL-terminated */
  int32_t priority;
  /* emit once if location is an object, never for a directory, a prefix or nothing */
  int32_t (*head)(const struct SluiceSource* source, const char* location,
                  const char* options_json, SluiceObjectFn emit, void* emit_ctx,
                  struct SluiceError* out_error);
  /* emit every object under the directory or prefix location, recursively, in any order */
  int32_t (*list)(const struct SluiceSource* source, const char* location,
                  const char* options_json, SluiceObjectFn emit, void* emit_ctx,
                  struct SluiceError* out_error);
  /* write the object to out (owned by the host): read, rewind, and read_at and size if seekable */
  int32_t (*open)(const struct SluiceSource* source, const char* location,
                  const char* options_json, struct SluiceInput* out,
                  struct SluiceError* out_error);
  void* private_data;
};

struct SluiceDescriptor {
  size_t struct_size;
  uint32_t abi_version;
  const char* name;
  const char* version;
  size_t num_formats;
  const struct SluiceFormat* const* formats;
  /* Added after the first layout: read only when struct_size covers them. */
  size_t num_codecs;
  const struct SluiceCodec* const* codecs;
  size_t num_sources;
  const struct SluiceSource* const* sources;
};

typedef int32_t (*SluicePluginInit)(uint32_t abi_version, const struct SluiceHost* host,
                                    const struct SluiceDescriptor** out,
                                    struct SluiceError* out_error);

/* Every plugin exports this symbol. */
int32_t sluice_plugin_init(uint32_t abi_version, const struct SluiceHost* host,
                           const struct SluiceDescriptor** out, struct SluiceError* out_error);

#ifdef __cplusplus
}
#endif

#endif /* SLUICE_PLUGIN_H */
