//! Push-based decompression of Spark's event-log codecs (placeholder interface; implementations land with the decompress work).
