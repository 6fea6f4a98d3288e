# traces/local.mk - trace formats (Chrome/Perfetto JSON, Kineto import),
# replay, validate, explain/ and tta (issues #10, #11, #12).
