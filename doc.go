// Package innsjekk is the root of the Innsjekk Telegram bot; the code
// lives in its subpackages (see README.md). This file anchors the
// architecture tests.
package innsjekk
