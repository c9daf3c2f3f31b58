#include <stdio.h>
#include "util.h"
int main(void) {
    printf("%s %d %d\n", greeting(), add(1, 2), fast_answer());
    return 0;
}
