/* expiry: placeholder */
typedef int expiry_placeholder;
