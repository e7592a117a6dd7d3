/* jobs: placeholder */
typedef int jobs_placeholder;
