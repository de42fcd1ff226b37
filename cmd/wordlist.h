#ifndef CV_CMD_WORDLIST_H
#define CV_CMD_WORDLIST_H
extern const char *const cv_bip39_words[2048];
#endif
