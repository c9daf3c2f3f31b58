int add(int a, int b);
const char *greeting(void);
int fast_answer(void);
