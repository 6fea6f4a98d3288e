/* core/graphtxt-private.h - the graph.txt format, drawn; shared only inside
 * core/graphtxt.c (and its tests through the public header).
 *
 * A profile, after the whole file is stripped of leading and trailing
 * whitespace (Python's str.strip(): space, \t \n \v \f \r, 0x1c-0x1f), is
 * split into lines ("\n", "\r\n" or a lone "\r", as Python's text mode
 * reads them). Every line is one record; there are no blank lines.
 *
 *   node line   (does not start with TAB; stripped like the original)
 *
 *     node19 -- Conv2d(256, 512, ...) -- forward_compute_time=9.249, ...
 *     |<id>-|    |<------ desc ------>|    |<------- metadata ------->
 *
 *     <id> " -- " <desc> " -- " <metadata> [ " -- " "stage_id=" <digits> ]
 *
 *     metadata = "forward_compute_time=" <ms>  ", "
 *                "backward_compute_time=" <ms> ", "
 *                "activation_size=" <bytes-or-list> ", "
 *                "parameter_size=" <bytes>
 *
 *     The separator is the literal four bytes " -- ", taken leftmost; <id>
 *     and <desc> may hold anything else (desc: PyTorch module reprs with
 *     ", " and "="). Keys are checked by name and position (the original
 *     ignores them).
 *
 *   edge line   (one TAB, then src and dst ids)
 *
 *     \t<src id> " -- " <dst id>          src's output feeds dst
 *
 *   number      = [+-]? ( digit+ ( "." digit* )? | "." digit+ )
 *                 ( [eE] [+-]? digit+ )?          finite; >= 0 to be valid
 *   ms          = number                          milliseconds per minibatch
 *   bytes       = number, whole, <= 2^53          (so JSON keeps it exact)
 *   list        = "[" bytes ( "; " bytes )* "]"   summed (LSTM out, h, c)
 *
 * All node lines come before the first edge line; both ends of an edge
 * are defined by earlier node lines; ids are unique. The original also
 * accepts nodes after edges and silently keeps the last of two nodes with
 * one id; dawnsim reports both.
 *
 * Round trip: the number texts are kept verbatim in layer attributes (the
 * DS_GRAPHTXT_ATTR_* keys below), the stage id text in "stage_id", and
 * whether the stripped content was followed by exactly one "\n" in the
 * model attribute "graphtxt.trailing_newline" ("true"/"false"). What is
 * not kept, and so is normalised by a write: leading whitespace of the
 * file, other trailing whitespace, whitespace around a line, and "\r".
 */
#pragma once

#include "core/model.h"

G_BEGIN_DECLS

#define DS_GRAPHTXT_ATTR_FWD       "graphtxt.fwd"
#define DS_GRAPHTXT_ATTR_BWD       "graphtxt.bwd"
#define DS_GRAPHTXT_ATTR_ACT       "graphtxt.act"
#define DS_GRAPHTXT_ATTR_PARAM     "graphtxt.param"
#define DS_GRAPHTXT_ATTR_STAGE     "stage_id"
#define DS_GRAPHTXT_ATTR_TRAILING  "graphtxt.trailing_newline"

/* 2^53: the largest byte count every double (and so JSON) holds exactly. */
#define DS_GRAPHTXT_MAX_BYTES G_GUINT64_CONSTANT (9007199254740992)

/* Why a number text was refused; DS_GRAPHTXT_NUM_OK when it was not. */
typedef enum {
  DS_GRAPHTXT_NUM_OK,
  DS_GRAPHTXT_NUM_BAD,         /* not the number grammar above */
  DS_GRAPHTXT_NUM_INFINITE,    /* overflows a double */
  DS_GRAPHTXT_NUM_NEGATIVE,
  DS_GRAPHTXT_NUM_FRACTIONAL,  /* bytes that are not whole */
  DS_GRAPHTXT_NUM_TOO_BIG,     /* bytes over DS_GRAPHTXT_MAX_BYTES */
} DsGraphtxtNum;

/* A time text ("2.211") as milliseconds, finite and >= 0. */
DsGraphtxtNum ds_graphtxt_parse_ms    (const char *text, double *ms);
/* A byte count text ("205520896.000", or "[a; b]" when @allow_list) as
 * whole bytes <= DS_GRAPHTXT_MAX_BYTES; a list is summed. */
DsGraphtxtNum ds_graphtxt_parse_bytes (const char *text, gboolean allow_list,
                                       guint64 *bytes);
/* The operator of a node description, lower-cased: the text before the
 * first '(', trailing digits dropped ("Input0" -> "input"). New string. */
char         *ds_graphtxt_kind        (const char *desc);

G_END_DECLS
