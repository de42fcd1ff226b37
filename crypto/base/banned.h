/* Force-included into every translation unit (-include): functions whose
 * misuse has caused real bugs are turned into compile errors. Use the
 * bounded helpers in buf.h and the formatted helpers of the C library that
 * take a size instead. */
#ifndef CV_BASE_BANNED_H
#define CV_BASE_BANNED_H

#define CV_BANNED(f) sorry_##f##_is_banned_in_covert

#undef strcpy
#define strcpy(...) CV_BANNED(strcpy)
#undef strcat
#define strcat(...) CV_BANNED(strcat)
#undef strncpy
#define strncpy(...) CV_BANNED(strncpy)
#undef strncat
#define strncat(...) CV_BANNED(strncat)
#undef sprintf
#define sprintf(...) CV_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) CV_BANNED(vsprintf)
#undef strtok
#define strtok(...) CV_BANNED(strtok)
#undef atoi
#define atoi(...) CV_BANNED(atoi)
#undef atol
#define atol(...) CV_BANNED(atol)
#undef atoll
#define atoll(...) CV_BANNED(atoll)
#undef gets
#define gets(...) CV_BANNED(gets)
#undef gmtime
#define gmtime(...) CV_BANNED(gmtime)
#undef localtime
#define localtime(...) CV_BANNED(localtime)
#undef ctime
#define ctime(...) CV_BANNED(ctime)
#undef asctime
#define asctime(...) CV_BANNED(asctime)
#undef tmpnam
#define tmpnam(...) CV_BANNED(tmpnam)
#undef mktemp
#define mktemp(...) CV_BANNED(mktemp)

#endif
