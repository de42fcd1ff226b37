/* The armor tests once more with the portable codecs: armor.c compiled here
 * without SIMD, under other names, so both code paths are checked on
 * machines where the library itself picks AVX2. */
#define CV_ARMOR_NO_SIMD 1
#define cv_age_armor_writer_init scalar_armor_writer_init
#define cv_age_armor_writer_finish scalar_armor_writer_finish
#define cv_age_armor_writer_release scalar_armor_writer_release
#define cv_age_armor_reader_init scalar_armor_reader_init
#define cv_age_armor_reader_release scalar_armor_reader_release
#define cv_age_is_armored scalar_age_is_armored
#include "crypto/age/armor.c"

#define armor armor_scalar
#include "tests/unit/test_armor.c"
