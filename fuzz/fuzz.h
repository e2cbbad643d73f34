/*
 * fuzz.h - what every fuzz target defines: libFuzzer's entry point.  Built
 * with clang -fsanitize=fuzzer (make fuzz) it is fuzzed; built with
 * driver.c (make test) it replays a corpus, so that every input that
 * once broke a parser stays a test.
 */
#ifndef GIC_FUZZ_H
#define GIC_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
