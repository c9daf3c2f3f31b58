const char *build_stamp(void) { return "built at " __DATE__ " " __TIME__; }
