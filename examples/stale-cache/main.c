#include <stdio.h>
const char *build_stamp(void);
int main(void) { puts(build_stamp()); return 0; }
